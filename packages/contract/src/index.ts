export * from './common.ts';
export * from './admin.ts';
export * from './portal.ts';
export * from './health.ts';
export * from './routes.ts';
export * from './validate.ts';
export * from './types.ts';
