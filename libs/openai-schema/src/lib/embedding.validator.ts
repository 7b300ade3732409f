import { ENCODING_FORMATS, type EmbeddingRequest } from './embedding.types';
import { checkJsonDepth, type ValidationOptions } from './json-limits';
import {
  arrayTooLong,
  checkEnum,
  checkInt,
  checkIntValue,
  checkString,
  emptyArray,
  emptyString,
  invalidType,
  missing,
  requireBody,
  requireString,
} from './validation.util';

/** At most this many inputs in one embeddings request (OpenAI's limit). */
export const MAX_EMBEDDING_INPUTS = 2048;

const INPUT_TYPES =
  'one of a string, array of strings, array of integers, or array of arrays of integers';

/**
 * Validates a `POST /v1/embeddings` body with OpenAI's rules and returns it typed (the same object,
 * unknown fields kept). `input` may be a string, strings, one token array or several token arrays;
 * a mix of kinds is rejected.
 *
 * The whole body is held to a nesting depth (`options.maxJsonDepth`, default 64), unknown fields
 * included, since they are passed on.
 *
 * @throws {@link OpenAIRequestError} (400 `invalid_request_error`) naming the offending `param`,
 *   e.g. `input[3]`, or the path of a value nested too deeply (`nesting_too_deep`).
 */
export function validateEmbeddingRequest(
  body: unknown,
  options?: ValidationOptions,
): EmbeddingRequest {
  const o = requireBody(body);
  checkJsonDepth(o, options?.maxJsonDepth);
  requireString(o, 'model');
  checkInput(o.input);
  checkEnum(o, 'encoding_format', ENCODING_FORMATS);
  checkInt(o, 'dimensions', 1, Number.MAX_SAFE_INTEGER);
  checkString(o, 'user');
  return o as unknown as EmbeddingRequest;
}

function checkTokens(tokens: unknown[], param: string): void {
  for (let k = 0; k < tokens.length; k++) {
    checkIntValue(`${param}[${k}]`, tokens[k], 0, Number.MAX_SAFE_INTEGER);
  }
}

function checkInput(input: unknown): void {
  if (input === undefined || input === null) throw missing('input');
  if (typeof input === 'string') {
    if (input.length === 0) throw emptyString('input');
    return;
  }
  if (!Array.isArray(input)) throw invalidType('input', INPUT_TYPES, input);
  if (input.length === 0) throw emptyArray('input');
  const first: unknown = input[0];
  if (typeof first === 'number') {
    // One token array: a single input, so its length is not bounded by the input count.
    checkTokens(input, 'input');
    return;
  }
  if (input.length > MAX_EMBEDDING_INPUTS) {
    throw arrayTooLong('input', MAX_EMBEDDING_INPUTS, input.length);
  }
  if (typeof first === 'string') {
    for (let k = 0; k < input.length; k++) {
      const s: unknown = input[k];
      if (typeof s !== 'string') throw invalidType(`input[${k}]`, 'a string', s);
      if (s.length === 0) throw emptyString(`input[${k}]`);
    }
    return;
  }
  if (Array.isArray(first)) {
    for (let k = 0; k < input.length; k++) {
      const t: unknown = input[k];
      if (!Array.isArray(t)) throw invalidType(`input[${k}]`, 'an array of integers', t);
      if (t.length === 0) throw emptyArray(`input[${k}]`);
      checkTokens(t, `input[${k}]`);
    }
    return;
  }
  throw invalidType('input[0]', 'one of a string, integer, or array of integers', first);
}
