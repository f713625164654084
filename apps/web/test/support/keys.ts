// Fixed test secrets. The portal is built with these in its environment and the bundle test greps the
// build output for them, so they must be long, unique strings nothing else could contain by chance.
export const TEST_PORTAL_KEY = 'e2e-portal-internal-key-4d1f0c9a7b3e58d2a6c1';
export const TEST_ADMIN_KEY = 'e2e-admin-api-key-9b2e7d4c1a6f30e85b7d';
export const TEST_SESSION_SECRET = 'e2e-session-secret-7c3a9e1d5b8f24a06e9c';
export const TEST_PASSWORD = 'portal e2e password';
