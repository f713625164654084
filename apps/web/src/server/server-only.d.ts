// Next.js resolves `server-only` itself (an empty module on the server, a build error in client code).
declare module 'server-only';
