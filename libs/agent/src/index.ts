export * from './lib/engine';
export * from './lib/sim.engine';
export * from './lib/openai.engine';
export * from './lib/failure-injection';
export * from './lib/slot-pool';
export * from './lib/agent';
export * from './lib/openai-http.server';
