export * from './lib/registry.types';
export * from './lib/registry.errors';
export * from './lib/agent.registry';
