import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Internal packages are TypeScript source (with .ts import extensions); Next compiles them itself.
  transpilePackages: ['@wa-fleet/shared', '@wa-fleet/config', '@wa-fleet/contract'],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
