// A bare HTTP/1.1 client on a TCP socket: fetch() and node:http refuse to send the bytes a hostile caller
// sends (raw non-ASCII or overlong UTF-8 in the path, NUL, lying content types), so requests are written
// byte for byte here and only the status line of the answer is read.
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent (may hold raw bytes). */
  target: Buffer;
  headers: [string, string | Buffer][];
  body?: Buffer;
}

/** The response's status code, or 0 when the server closed the connection or stayed silent for 15 s. */
export function sendRaw(port: number, req: RawRequest): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let isDone = false;
    const finish = (status: number) => {
      if (isDone) return;
      isDone = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => finish(0), 15_000);
    socket.on('error', () => finish(0));
    socket.on('close', () => finish(parseStatus(received) ?? 0));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const status = parseStatus(received);
      if (status !== undefined) finish(status);
    });
    socket.on('connect', () => {
      const lines: Buffer[] = [
        Buffer.concat([Buffer.from(`${req.method} `), req.target, Buffer.from(' HTTP/1.1\r\n')]),
      ];
      const headers: [string, string | Buffer][] = [
        ['host', '127.0.0.1'],
        ['connection', 'close'],
        ...req.headers,
        ...(req.body ? ([['content-length', String(req.body.length)]] as [string, string][]) : []),
      ];
      for (const [name, value] of headers)
        lines.push(Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]));
      lines.push(Buffer.from('\r\n'));
      // The server may answer (413, 400) and close before a huge body is written: ignore write errors.
      socket.write(Buffer.concat(lines));
      if (req.body) socket.write(req.body);
    });
  });
}

function parseStatus(text: string): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}
