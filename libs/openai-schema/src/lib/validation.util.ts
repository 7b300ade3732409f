import { OpenAIRequestError } from './openai.errors';

/*
 * Hand-rolled checks shared by the request validators. They sit on the gateway's hot path, so they
 * never allocate on success: `param` strings are built inside the throw expressions only.
 */

/** A plain JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Absent in OpenAI's sense: missing or explicitly null. */
export function isAbsent(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

/** How OpenAI names the JSON type of a value in its error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return Number.isInteger(v) ? 'an integer' : 'a decimal number';
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

/** `Invalid type for 'p': expected X, but got Y instead.` (`invalid_type`). */
export function invalidType(param: string, expected: string, value: unknown): OpenAIRequestError {
  return new OpenAIRequestError(
    `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`,
    param,
    'invalid_type',
  );
}

/** `Missing required parameter: 'p'.` (`missing_required_parameter`). */
export function missing(param: string): OpenAIRequestError {
  return new OpenAIRequestError(
    `Missing required parameter: '${param}'.`,
    param,
    'missing_required_parameter',
  );
}

/** OpenAI's enumeration style: `'a', 'b', and 'c'`. */
function listValues(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

/** `Invalid value: 'v'. Supported values are: ...` (`invalid_value`). */
export function invalidEnum(
  param: string,
  value: unknown,
  allowed: readonly string[],
): OpenAIRequestError {
  if (typeof value !== 'string') return invalidType(param, 'a string', value);
  return new OpenAIRequestError(
    `Invalid value: '${value}'. Supported values are: ${listValues(allowed)}.`,
    param,
    'invalid_value',
  );
}

/** `Invalid value for 'p': reason` (`invalid_value`). */
export function invalidValue(param: string, reason: string): OpenAIRequestError {
  return new OpenAIRequestError(`Invalid value for '${param}': ${reason}`, param, 'invalid_value');
}

/** An empty array where one element is required (`empty_array`). */
export function emptyArray(param: string): OpenAIRequestError {
  return new OpenAIRequestError(
    `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    param,
    'empty_array',
  );
}

/** An array over its maximum length (`array_above_max_length`). */
export function arrayTooLong(param: string, max: number, actual: number): OpenAIRequestError {
  return new OpenAIRequestError(
    `Invalid '${param}': array too long. Expected an array with maximum length ${max}, but got an array with length ${actual} instead.`,
    param,
    'array_above_max_length',
  );
}

/** An empty string where one character is required (`empty_string`). */
export function emptyString(param: string): OpenAIRequestError {
  return new OpenAIRequestError(
    `Invalid '${param}': empty string. Expected a string with minimum length 1, but got an empty string instead.`,
    param,
    'empty_string',
  );
}

/** A string over its maximum length (`string_above_max_length`). */
export function stringTooLong(param: string, max: number, actual: number): OpenAIRequestError {
  return new OpenAIRequestError(
    `Invalid '${param}': string too long. Expected a string with maximum length ${max}, but got a string with length ${actual} instead.`,
    param,
    'string_above_max_length',
  );
}

function outOfRange(
  param: string,
  value: number,
  bound: number,
  integer: boolean,
  above: boolean,
): OpenAIRequestError {
  const kind = integer ? 'integer' : 'decimal';
  return new OpenAIRequestError(
    `Invalid '${param}': ${kind} ${above ? 'above maximum' : 'below minimum'} value. Expected a value ${above ? '<=' : '>='} ${bound}, but got ${value} instead.`,
    param,
    `${kind}_${above ? 'above_max' : 'below_min'}_value`,
  );
}

/** Optional finite number in [min, max]. */
export function checkNumber(o: JsonObject, key: string, min: number, max: number): void {
  const v = o[key];
  if (isAbsent(v)) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidType(key, 'a number', v);
  if (v < min) throw outOfRange(key, v, min, false, false);
  if (v > max) throw outOfRange(key, v, max, false, true);
}

/** Integer in [min, max], for a value already known present. */
export function checkIntValue(param: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidType(param, 'an integer', v);
  if (v < min) throw outOfRange(param, v, min, true, false);
  if (v > max) throw outOfRange(param, v, max, true, true);
}

/** Optional integer in [min, max]. */
export function checkInt(o: JsonObject, key: string, min: number, max: number): void {
  const v = o[key];
  if (!isAbsent(v)) checkIntValue(key, v, min, max);
}

/** Optional boolean. */
export function checkBool(o: JsonObject, key: string, param: string = key): void {
  const v = o[key];
  if (!isAbsent(v) && typeof v !== 'boolean') throw invalidType(param, 'a boolean', v);
}

/** Optional string. */
export function checkString(o: JsonObject, key: string, param: string = key): void {
  const v = o[key];
  if (!isAbsent(v) && typeof v !== 'string') throw invalidType(param, 'a string', v);
}

/** Required non-empty string. */
export function requireString(o: JsonObject, key: string, param: string = key): string {
  const v = o[key];
  if (isAbsent(v)) throw missing(param);
  if (typeof v !== 'string') throw invalidType(param, 'a string', v);
  if (v.length === 0) throw emptyString(param);
  return v;
}

/** Optional enum member. */
export function checkEnum(
  o: JsonObject,
  key: string,
  allowed: readonly string[],
  param: string = key,
): void {
  const v = o[key];
  if (!isAbsent(v) && !allowed.includes(v as string)) throw invalidEnum(param, v, allowed);
}

/** The request body must be a JSON object. */
export function requireBody(body: unknown): JsonObject {
  if (!isObject(body)) {
    throw new OpenAIRequestError(
      `Invalid request body: expected a JSON object, but got ${describe(body)} instead.`,
      null,
      'invalid_type',
    );
  }
  return body;
}

/** At most this many stop sequences. */
export const MAX_STOP_SEQUENCES = 4;

/** Optional stop sequence(s): a string or up to {@link MAX_STOP_SEQUENCES} strings. */
export function checkStop(stop: unknown, param: string): void {
  if (isAbsent(stop) || typeof stop === 'string') return;
  if (!Array.isArray(stop)) throw invalidType(param, 'one of a string or array of strings', stop);
  if (stop.length > MAX_STOP_SEQUENCES) throw arrayTooLong(param, MAX_STOP_SEQUENCES, stop.length);
  for (let k = 0; k < stop.length; k++) {
    if (typeof stop[k] !== 'string') throw invalidType(`${param}[${k}]`, 'a string', stop[k]);
  }
}

const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Required function (or schema) name: 1-64 of `a-zA-Z0-9_-`, as OpenAI requires. */
export function checkFunctionName(o: JsonObject, param: string): string {
  const name = requireString(o, 'name', param);
  if (!NAME_PATTERN.test(name)) {
    throw new OpenAIRequestError(
      `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' with at most 64 characters.`,
      param,
      'invalid_value',
    );
  }
  return name;
}

const TOKEN_ID_PATTERN = /^\d+$/;

/** Optional `logit_bias`: token id keys, values in -100..100. */
export function checkLogitBias(lb: unknown): void {
  if (isAbsent(lb)) return;
  if (!isObject(lb)) throw invalidType('logit_bias', 'an object', lb);
  for (const key in lb) {
    if (!TOKEN_ID_PATTERN.test(key)) {
      throw new OpenAIRequestError(
        `Invalid key in 'logit_bias': ${key}. You should only be submitting non-negative integers.`,
        'logit_bias',
        'invalid_value',
      );
    }
    const v = lb[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw invalidType(`logit_bias.${key}`, 'a number', v);
    }
    if (v < -100 || v > 100) {
      throw new OpenAIRequestError(
        `Invalid value for 'logit_bias.${key}': expected a value between -100 and 100, but got ${v} instead.`,
        'logit_bias',
        'invalid_value',
      );
    }
  }
}

const MAX_METADATA_KEYS = 16;
const MAX_METADATA_KEY_LENGTH = 64;
const MAX_METADATA_VALUE_LENGTH = 512;

/** Optional `metadata`: at most 16 string values, keys up to 64 and values up to 512 characters. */
export function checkMetadata(md: unknown): void {
  if (isAbsent(md)) return;
  if (!isObject(md)) throw invalidType('metadata', 'an object', md);
  let count = 0;
  for (const key in md) {
    if (++count > MAX_METADATA_KEYS) {
      throw new OpenAIRequestError(
        `Invalid 'metadata': too many properties. Expected an object with at most ${MAX_METADATA_KEYS} properties.`,
        'metadata',
        'object_above_max_properties',
      );
    }
    if (key.length > MAX_METADATA_KEY_LENGTH) {
      throw stringTooLong(`metadata.${key}`, MAX_METADATA_KEY_LENGTH, key.length);
    }
    const v = md[key];
    if (typeof v !== 'string') throw invalidType(`metadata.${key}`, 'a string', v);
    if (v.length > MAX_METADATA_VALUE_LENGTH) {
      throw stringTooLong(`metadata.${key}`, MAX_METADATA_VALUE_LENGTH, v.length);
    }
  }
}

/** A value this gateway does not serve (`unsupported_value`), said plainly. */
export function unsupported(param: string, message: string): OpenAIRequestError {
  return new OpenAIRequestError(message, param, 'unsupported_value');
}

/** A parameter this gateway does not serve (`unsupported_parameter`), said plainly. */
export function unsupportedParameter(param: string, message: string): OpenAIRequestError {
  return new OpenAIRequestError(message, param, 'unsupported_parameter');
}
