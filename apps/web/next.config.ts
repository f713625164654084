import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Internal packages are TypeScript source (with .ts import extensions); Next compiles them itself.
  transpilePackages: ['@wa-fleet/shared', '@wa-fleet/config', '@wa-fleet/contract'],
  poweredByHeader: false,
  reactStrictMode: true,
  experimental: {
    // Pages take no bodies; this bounds what Next buffers for the proxy (src/proxy.ts) on a page request.
    proxyClientMaxBodySize: 64 * 1024,
  },
  // Route handlers answer JSON (and one CSV, one event stream): nothing in them may run or be framed.
  // Pages get their headers, with a per-request script nonce, from src/proxy.ts.
  async headers() {
    const common = [
      { key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" },
      { key: 'X-Frame-Options', value: 'DENY' },
      { key: 'Referrer-Policy', value: 'same-origin' },
      { key: 'X-Content-Type-Options', value: 'nosniff' },
    ];
    return [
      { source: '/api/:path*', headers: common },
      {
        source: '/api/:path*',
        has: [{ type: 'header', key: 'x-forwarded-proto', value: 'https' }],
        headers: [{ key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' }],
      },
    ];
  },
};

export default nextConfig;
