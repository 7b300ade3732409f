import { OpenAIRequestError } from './openai.errors';

/**
 * Nesting-depth limits for JSON a service accepts or forwards. A client may nest objects
 * thousands of levels deep in free-form fields (`tools[].function.parameters`,
 * `response_format.json_schema.schema`, unknown fields that are passed through); every
 * recursive consumer downstream (`JSON.stringify`, schema compilers, agents in other
 * languages) then overflows its stack. The checks here are iterative, so they never do.
 */

/** Default deepest nesting of objects and arrays accepted (the body itself is level 1). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** Longest `param` (path) an error names; deeper paths are cut and end in `...`. */
const MAX_PATH_LENGTH = 256;
/** Longest single key shown in a path. */
const MAX_KEY_LENGTH = 64;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Where a JSON value first nests deeper than allowed. */
export interface JsonDepthViolation {
  /** OpenAI-style path of the first container beyond the limit, e.g. `tools[0].function.parameters.a`. */
  readonly path: string;
  /** The limit that was exceeded. */
  readonly maxDepth: number;
}

function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/**
 * Whether `value` nests objects/arrays deeper than `maxDepth` levels (a scalar is level 0, `{}`
 * and `[]` level 1). Iterative and allocation-light: this runs on every request.
 */
export function exceedsJsonDepth(value: unknown, maxDepth: number): boolean {
  if (!isContainer(value)) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop() as Record<string, unknown> | unknown[];
    const d = depths.pop() as number;
    if (d > maxDepth) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (isContainer(c)) {
          values.push(c);
          depths.push(d + 1);
        }
      }
    } else {
      for (const k in v) {
        const c = v[k];
        if (isContainer(c)) {
          values.push(c);
          depths.push(d + 1);
        }
      }
    }
  }
  return false;
}

interface Frame {
  readonly value: object;
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly key: string | number;
}

function segment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  const shown = key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH)}...` : key;
  return IDENTIFIER.test(key) ? `.${shown}` : `[${JSON.stringify(shown)}]`;
}

function pathOf(frame: Frame, root: string): string {
  const segments: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) segments.push(segment(f.key));
  let path = root;
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i];
    if (path.length + s.length > MAX_PATH_LENGTH) return `${path}...`;
    path += s;
  }
  if (path.startsWith('.')) path = path.slice(1);
  return path;
}

/**
 * Finds where `value` first nests deeper than `maxDepth` levels, or undefined when it does not.
 * `root` prefixes the path (e.g. `body` for a nested document); the default names fields from
 * the top, as OpenAI's `param` does (`tools[0].function.parameters`).
 */
export function findJsonDepthViolation(
  value: unknown,
  maxDepth: number,
  root = '',
): JsonDepthViolation | undefined {
  // The common case (nothing too deep) takes the cheap walk; only a failure pays for paths.
  if (!exceedsJsonDepth(value, maxDepth)) return undefined;
  const stack: Frame[] = [{ value: value as object, depth: 1, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const f = stack.pop() as Frame;
    if (f.depth > maxDepth) return { path: pathOf(f, root), maxDepth };
    const v = f.value as Record<string, unknown> | unknown[];
    // Pushed in reverse so the first offending field in document order is the one reported.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const c: unknown = v[i];
        if (isContainer(c)) stack.push({ value: c, depth: f.depth + 1, parent: f, key: i });
      }
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const c = v[keys[i]];
        if (isContainer(c)) stack.push({ value: c, depth: f.depth + 1, parent: f, key: keys[i] });
      }
    }
  }
  return undefined;
}

/**
 * Rejects JSON nested deeper than `maxDepth` levels.
 *
 * @throws RangeError when `maxDepth` is not an integer >= 1 (a caller's bug, not the client's).
 * @throws {@link OpenAIRequestError} (400 `invalid_request_error`, code `nesting_too_deep`) whose
 *   `param` is the path of the first container beyond the limit.
 */
export function checkJsonDepth(value: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH): void {
  if (!Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new RangeError(`maxDepth must be an integer >= 1, got ${String(maxDepth)}`);
  }
  const violation = findJsonDepthViolation(value, maxDepth);
  if (!violation) return;
  const where = violation.path === '' ? 'request body' : `'${violation.path}'`;
  throw new OpenAIRequestError(
    `Invalid ${where}: JSON nested too deeply. Expected at most ${maxDepth} levels of nested objects and arrays in the request body.`,
    violation.path === '' ? null : violation.path,
    'nesting_too_deep',
  );
}

/** Checks a validator applies on top of the OpenAI rules. */
export interface ValidationOptions {
  /** Deepest nesting of objects/arrays accepted anywhere in the body. Default {@link DEFAULT_MAX_JSON_DEPTH}. */
  readonly maxJsonDepth?: number;
}
