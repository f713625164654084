import { NextResponse, type NextRequest } from 'next/server';

/**
 * Runs before every page and route handler (Next's "proxy", formerly middleware):
 * - a per-request nonce and a Content-Security-Policy that allows only the portal's own scripts (Next
 *   puts the nonce on its scripts when it finds it in the request's CSP header), no framing, no plugins;
 * - X-Frame-Options, Referrer-Policy, nosniff everywhere, and HSTS when the request came over https;
 * - a refusal (413) of a page request declaring a body (pages take none worth that size).
 */

/** Same as MAX_BODY_BYTES in server/proxy.ts (route handlers also enforce it on chunked bodies). */
const MAX_BODY_BYTES = 64 * 1024;

function contentSecurityPolicy(nonce: string): string {
  const isDev = process.env.NODE_ENV === 'development';
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${isDev ? " 'unsafe-eval'" : ''}`,
    // Inline style attributes (React's style={...}) are allowed; scripts are what matters.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function proxy(request: NextRequest) {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    return NextResponse.json(
      { error: { code: 'BODY_TOO_LARGE', message: `the body must be at most ${MAX_BODY_BYTES} bytes` } },
      { status: 413, headers: { connection: 'close' } },
    );
  }
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const csp = contentSecurityPolicy(nonce);
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', csp);
  response.headers.set('x-frame-options', 'DENY');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('x-content-type-options', 'nosniff');
  const proto = (request.headers.get('x-forwarded-proto') ?? request.nextUrl.protocol).split(',')[0]?.trim();
  if (proto === 'https' || proto === 'https:') {
    response.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
  }
  return response;
}

export const config = {
  // Pages only. Route handlers (/api) are left out on purpose: with a proxy in front, Next buffers the
  // whole request body (up to proxyClientMaxBodySize) before anything runs, which would read a 16 MiB
  // sign-in body before it could be refused. Route handlers check the size themselves (server/proxy.ts)
  // and get their headers from next.config.ts. Static build output carries no user data.
  matcher: [{ source: '/((?!api/|_next/static|_next/image|favicon.ico).*)' }],
};
