import { checkJsonDepth, type ValidationOptions } from './json-limits';
import type { CompletionRequest } from './completions.types';
import { OpenAIRequestError } from './openai.errors';
import {
  arrayTooLong,
  checkBool,
  checkInt,
  checkLogitBias,
  checkNumber,
  checkStop,
  checkString,
  emptyArray,
  invalidType,
  isAbsent,
  isObject,
  missing,
  requireBody,
  requireString,
  unsupported,
} from './validation.util';

/** At most this many prompts in one request (each runs as its own agent request). */
export const MAX_PROMPTS = 16;

/**
 * Validates a `POST /v1/completions` body and returns it typed (the same object). What the fleet's
 * chat-shaped agents cannot do is refused by name: `suffix` (fill-in-the-middle), token-id prompts,
 * `logprobs`, `n`/`best_of` above 1.
 *
 * The whole body is held to a nesting depth (`options.maxJsonDepth`, default 64).
 *
 * @throws {@link OpenAIRequestError} (400) naming the `param`.
 */
export function validateCompletionRequest(
  body: unknown,
  options?: ValidationOptions,
): CompletionRequest {
  const o = requireBody(body);
  checkJsonDepth(o, options?.maxJsonDepth);
  requireString(o, 'model');
  const prompt = o.prompt;
  if (isAbsent(prompt)) throw missing('prompt');
  if (typeof prompt !== 'string') {
    if (!Array.isArray(prompt)) {
      throw invalidType('prompt', 'one of a string or array of strings', prompt);
    }
    if (prompt.length === 0) throw emptyArray('prompt');
    if (prompt.length > MAX_PROMPTS) throw arrayTooLong('prompt', MAX_PROMPTS, prompt.length);
    for (let k = 0; k < prompt.length; k++) {
      const p: unknown = prompt[k];
      if (typeof p === 'string') continue;
      if (typeof p === 'number' || Array.isArray(p)) {
        throw unsupported(
          k === 0 && typeof p === 'number' ? 'prompt' : `prompt[${k}]`,
          'Token-id prompts are not supported by this gateway (its agents take text): send the prompt as a string.',
        );
      }
      throw invalidType(`prompt[${k}]`, 'a string', p);
    }
  }
  const suffix = o.suffix;
  if (!isAbsent(suffix)) {
    if (typeof suffix !== 'string') throw invalidType('suffix', 'a string', suffix);
    if (suffix.length > 0) {
      throw unsupported(
        'suffix',
        "'suffix' (fill-in-the-middle) is not supported by this gateway: its agents complete chat-shaped prompts only.",
      );
    }
  }
  checkInt(o, 'max_tokens', 1, Number.MAX_SAFE_INTEGER);
  checkBool(o, 'stream');
  const so = o.stream_options;
  if (!isAbsent(so)) {
    if (!isObject(so)) throw invalidType('stream_options', 'an object', so);
    checkBool(so, 'include_usage', 'stream_options.include_usage');
    if (o.stream !== true) {
      throw new OpenAIRequestError(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        'stream_options',
        'invalid_value',
      );
    }
  }
  checkBool(o, 'echo');
  checkStop(o.stop, 'stop');
  checkNumber(o, 'temperature', 0, 2);
  checkNumber(o, 'top_p', 0, 1);
  checkNumber(o, 'presence_penalty', -2, 2);
  checkNumber(o, 'frequency_penalty', -2, 2);
  checkInt(o, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  checkString(o, 'user');
  checkLogitBias(o.logit_bias);
  for (const key of ['n', 'best_of'] as const) {
    checkInt(o, key, 1, 128);
    if (typeof o[key] === 'number' && (o[key] as number) > 1) {
      throw unsupported(
        key,
        `'${key}' above 1 is not supported by this gateway: send one request per completion.`,
      );
    }
  }
  checkInt(o, 'logprobs', 0, 5);
  if (typeof o.logprobs === 'number' && o.logprobs > 0) {
    throw unsupported('logprobs', "'logprobs' is not supported by this gateway's completions.");
  }
  return o as unknown as CompletionRequest;
}
