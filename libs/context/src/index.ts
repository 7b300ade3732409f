export * from './lib/context.errors';
export * from './lib/context.types';
