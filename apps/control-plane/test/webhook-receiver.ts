import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body exactly as it arrived (what a signature is computed over). */
  raw: string;
  status: number;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> };

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
        this.requests.push({ path, headers: req.headers, raw, status: answer.status });
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
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
