export * from './lib/context.errors';
export * from './lib/context.types';
export * from './lib/context.store';
export { gptTokenizer, REPLY_PRIMING_TOKENS } from './lib/token-counter';
export * from './lib/response.store';
