export * from './lib/type-support';
