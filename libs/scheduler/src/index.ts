export * from './lib/scheduler.errors';
export * from './lib/scheduler.types';
export * from './lib/scheduler';
