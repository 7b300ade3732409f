export * from './lib/sse';
