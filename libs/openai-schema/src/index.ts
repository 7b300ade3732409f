export * from './lib/chat.types';
export * from './lib/embedding.types';
export * from './lib/openai.errors';
export {
  validateChatCompletionRequest,
  MAX_N,
  MAX_STOP_SEQUENCES,
  MAX_TOOLS,
} from './lib/chat.validator';
export { validateEmbeddingRequest, MAX_EMBEDDING_INPUTS } from './lib/embedding.validator';
export { parseJsonBody } from './lib/json-body.parser';
export {
  checkJsonDepth,
  exceedsJsonDepth,
  findJsonDepthViolation,
  DEFAULT_MAX_JSON_DEPTH,
  type JsonDepthViolation,
  type ValidationOptions,
} from './lib/json-limits';
export * from './lib/response.builders';
export * from './lib/embedding.codec';
export * from './lib/request.classifier';
export * from './lib/sse';
export * from './lib/sse.parser';
export * from './lib/request.dto';
