export * from './lib/chat.types';
export * from './lib/embedding.types';
export * from './lib/openai.errors';
export { validateChatCompletionRequest, MAX_N, MAX_TOOLS } from './lib/chat.validator';
export { MAX_STOP_SEQUENCES } from './lib/validation.util';
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
export * from './lib/chat-output.types';
export * from './lib/responses.types';
export { validateResponseRequest, MAX_INPUT_ITEMS } from './lib/responses.validator';
export * from './lib/responses.translator';
export * from './lib/responses.renderer';
export * from './lib/completions.types';
export { validateCompletionRequest, MAX_PROMPTS } from './lib/completions.validator';
export * from './lib/completions.translator';
export * from './lib/anthropic.types';
export {
  validateAnthropicMessageRequest,
  MAX_ANTHROPIC_MESSAGES,
  MAX_ANTHROPIC_TOOLS,
} from './lib/anthropic.validator';
export * from './lib/anthropic.translator';
export * from './lib/anthropic.renderer';
export * from './lib/responses.items';
export * from './lib/tool-call.merger';
export * from './lib/openai-http.client';
