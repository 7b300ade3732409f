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
