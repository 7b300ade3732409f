export * from './lib/clock';
export * from './lib/agent.model';
