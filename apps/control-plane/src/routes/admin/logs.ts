import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { assertValidSlug, type LogLevel } from '@wa-fleet/shared';
import { AppError } from '../../errors.ts';
import { followLogFile } from '../../services/log-follow.ts';
import { matchesFilter, parseLogLine, tailLogFile, type LogFilter } from '../../services/log-tail.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import { serve } from '../serve.ts';

const SSE_KEEPALIVE_MS = 15_000;

const routes: FastifyPluginAsync = async (app) => {
  // Open SSE streams, ended when the app closes (otherwise close() waits for clients to hang up).
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of streams) end();
  });
  // Each stream holds a file watcher and a socket for as long as the client likes: capped per caller
  // (a signed-in user, or the admin key) and in total, and a slot is freed when its stream ends.
  const openByCaller = new Map<string, number>();
  let openTotal = 0;

  function claimStreamSlot(caller: string): () => void {
    const mine = openByCaller.get(caller) ?? 0;
    if (mine >= app.config.LOG_STREAM_MAX_PER_CALLER) {
      throw new AppError(
        'RATE_LIMITED',
        `too many open log streams: you already follow ${mine} (at most ${app.config.LOG_STREAM_MAX_PER_CALLER}); close one first`,
      );
    }
    if (openTotal >= app.config.LOG_STREAM_MAX_TOTAL) {
      throw new AppError(
        'RATE_LIMITED',
        `too many open log streams: the control plane serves at most ${app.config.LOG_STREAM_MAX_TOTAL}; try again later`,
      );
    }
    openByCaller.set(caller, mine + 1);
    openTotal += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      openTotal -= 1;
      const left = (openByCaller.get(caller) ?? 1) - 1;
      if (left > 0) openByCaller.set(caller, left);
      else openByCaller.delete(caller);
    };
  }

  /**
   * The path comes from the tenant row's slug (validated again here), never from the request: the
   * request value only selects a row, and the route schema already refused anything but a slug or uuid.
   */
  async function logPathOf(ref: string): Promise<{ slug: string; file: string }> {
    const tenant = await resolveTenant(app.db, ref);
    assertValidSlug(tenant.slug);
    const logDir = path.resolve(app.config.LOG_DIR);
    const file = path.join(logDir, `${tenant.slug}.log`);
    if (path.dirname(file) !== logDir) throw new AppError('INVALID_TENANT', 'invalid tenant');
    return { slug: tenant.slug, file };
  }

  function filterOf(query: { level?: LogLevel; since?: string }): LogFilter {
    return { level: query.level, since: query.since ? new Date(query.since) : undefined };
  }

  serve(app, 'GET /admin/tenants/:tenant/logs', async (request) => {
    const { slug, file } = await logPathOf(request.params.tenant);
    if (!existsSync(file) && !existsSync(`${file}.1`))
      return { tenant: slug, lines: [], bytesRead: 0, fileSize: 0, isTruncated: false };
    const result = await tailLogFile(file, request.query.lines ?? 200, filterOf(request.query));
    return { tenant: slug, ...result };
  });

  serve(app, 'GET /admin/tenants/:tenant/logs/stream', async (request, reply) => {
    const { file } = await logPathOf(request.params.tenant);
    const filter: LogFilter = { level: request.query.level };
    const release = claimStreamSlot(request.portal ? `user:${request.portal.user.id}` : request.actor);
    let recent: Record<string, unknown>[];
    try {
      recent =
        request.query.lines && existsSync(file)
          ? (await tailLogFile(file, request.query.lines, filter)).lines
          : [];
    } catch (err) {
      release();
      throw err;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': following\n\n');
    for (const line of recent) res.write(`data: ${JSON.stringify(line)}\n\n`);
    const follower = followLogFile(file, (text) => {
      const line = parseLogLine(text);
      if (line && matchesFilter(line, filter)) res.write(`data: ${JSON.stringify(line)}\n\n`);
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), SSE_KEEPALIVE_MS);
    const end = () => {
      if (!streams.delete(end)) return;
      release();
      clearInterval(keepalive);
      void follower.stop();
      res.end();
    };
    streams.add(end);
    request.raw.on('close', end);
    // A client gone while the recent lines were read fired 'close' already: free its slot now.
    if (request.raw.socket.destroyed) end();
  });
};

export default routes;
