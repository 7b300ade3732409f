export * from './lib/selector.types';
export * from './lib/selector.errors';
export * from './lib/hash.ring';
export * from './lib/prefix.index';
export * from './lib/agent.selector';
