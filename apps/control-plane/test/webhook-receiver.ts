import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body exactly as it arrived (what a signature is computed over). */
  raw: string;
  /** The status answered; 0 for a request held without an answer. */
  status: number;
  /** Body bytes the receiver handed to the socket (an endless answer counts up until it is cut). */
  sent: number;
  /** The sender closed the connection before the answer was complete. */
  cutBySender: boolean;
}

export type Answer =
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Never answers: the request is held open until the sender gives up (or `down()`). */
  | { hang: true }
  /** Answers `status` and then streams `chunk` over and over (up to ENDLESS_CAP bytes) until cut. */
  | { status: number; endless: string };

/** An endless answer stops by itself here, so a sender that reads everything still ends. */
export const ENDLESS_CAP = 256 * 1024 * 1024;

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. `respond` decides each answer; every request is
 * recorded. `down()` closes the listening socket (connections are refused), `up()` listens again on the
 * same port, so a URL stays valid across an outage.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  respond: (req: { path: string; raw: string; headers: http.IncomingHttpHeaders }) => Answer = () => ({
    status: 200,
    body: 'ok',
  });
  private server: http.Server | null = null;
  port = 0;

  async up(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        const answer = this.respond({ path, raw, headers: req.headers });
        const record: ReceivedRequest = {
          path,
          headers: req.headers,
          raw,
          status: 'hang' in answer ? 0 : answer.status,
          sent: 0,
          cutBySender: false,
        };
        this.requests.push(record);
        res.on('close', () => {
          record.cutBySender = !res.writableFinished;
        });
        if ('hang' in answer) return;
        if ('endless' in answer) {
          res.writeHead(answer.status, { 'content-type': 'text/plain' });
          const chunk = Buffer.from(answer.endless);
          const pump = () => {
            while (!res.destroyed && record.sent < ENDLESS_CAP) {
              record.sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            if (!res.destroyed) res.end();
          };
          pump();
          return;
        }
        res.writeHead(answer.status, answer.headers ?? {});
        const body = answer.body ?? '';
        record.sent = Buffer.byteLength(body);
        res.end(body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }
}
