import 'server-only';
import type { NextRequest } from 'next/server';
import { getConfig } from './config.ts';

/**
 * The browser's address, for the control plane's sign-in throttling. `next start` puts the socket's
 * address into X-Forwarded-For unless the request already has one; each trusted reverse proxy in front
 * (TRUST_PROXY_HOPS) appends the address it saw. The entry that many places from the right is the first
 * one no client can forge, provided the portal is reachable only through those proxies (or, with 0, only
 * directly: see docs/SECURITY.md).
 */
export function clientOf(req: NextRequest): { address: string; userAgent?: string } {
  const hops = getConfig().TRUST_PROXY_HOPS;
  const entries = (req.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const address = entries[Math.max(0, entries.length - 1 - hops)] ?? 'unknown';
  return { address: address.slice(0, 100), userAgent: req.headers.get('user-agent') ?? undefined };
}
