export * from './slug.ts';
export * from './domain.ts';
export * from './redis-keys.ts';
export * from './repo-root.ts';
export * from './mask.ts';
export * from './loop.ts';
export * from './timeout.ts';
export * from './send-job.ts';
