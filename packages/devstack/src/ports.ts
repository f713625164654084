import getPort from 'get-port';

/** A free TCP port on 127.0.0.1 (or `preferred` when it is free). */
export function freePort(preferred?: number): Promise<number> {
  return getPort({ host: '127.0.0.1', ...(preferred ? { port: preferred } : {}) });
}
