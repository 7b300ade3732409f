import fc from 'fast-check';
import { validateChatCompletionRequest } from './chat.validator';
import { validateEmbeddingRequest } from './embedding.validator';
import {
  checkJsonDepth,
  DEFAULT_MAX_JSON_DEPTH,
  exceedsJsonDepth,
  findJsonDepthViolation,
} from './json-limits';
import { OpenAIRequestError } from './openai.errors';

/** `{"a":{"a":...{}}}` with `levels` objects. */
function nested(levels: number, key = 'a'): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) v = { [key]: v };
  return v;
}

/** The reference: recursive depth (fine for the small values fast-check makes). */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + children.reduce<number>((m, c) => Math.max(m, depthOf(c)), 0);
}

/** Follows an OpenAI-style path (`a.b[2]["x y"]`) from `root`. */
function resolve(root: unknown, path: string): unknown {
  let v: unknown = root;
  const re = /(?:^|\.)([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    const key = m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]) as string));
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** The path {@link findJsonDepthViolation} reports; fails the test when it reports none. */
function violationPath(v: unknown, max: number, root?: string): string {
  const found = findJsonDepthViolation(v, max, root);
  if (!found) throw new Error(`expected a violation of depth ${max}`);
  return found.path;
}

function thrown(fn: () => unknown): OpenAIRequestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OpenAIRequestError) return err;
    throw err;
  }
  throw new Error('expected an OpenAIRequestError');
}

const chat = (extra: Record<string, unknown>) => ({
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe('exceedsJsonDepth', () => {
  it('counts containers only: scalars are level 0, {} and [] level 1', () => {
    expect(exceedsJsonDepth('x', 1)).toBe(false);
    expect(exceedsJsonDepth(null, 1)).toBe(false);
    expect(exceedsJsonDepth({}, 1)).toBe(false);
    expect(exceedsJsonDepth({ a: 1, b: 'x' }, 1)).toBe(false);
    expect(exceedsJsonDepth({ a: [] }, 1)).toBe(true);
    expect(exceedsJsonDepth([[[]]], 3)).toBe(false);
    expect(exceedsJsonDepth([[[]]], 2)).toBe(true);
  });

  it('agrees with a recursive reference on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 9 }), (v, max) => {
        expect(exceedsJsonDepth(v, max)).toBe(depthOf(v) > max);
      }),
      { numRuns: 1000 },
    );
  });

  it('walks 1,000,000 levels without recursion', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(exceedsJsonDepth(deep, 64)).toBe(true);
    expect(exceedsJsonDepth(deep, 2_000_000)).toBe(false);
    expect(() => JSON.stringify(deep)).toThrow(RangeError); // what the check protects from
  });

  it('terminates on a cycle (a value no parser makes, but a caller might pass)', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(exceedsJsonDepth(a, 64)).toBe(true);
  });
});

describe('findJsonDepthViolation', () => {
  it('names the first container beyond the limit, in document order', () => {
    const body = { ok: nested(3), tools: [{ x: 1 }, { deep: nested(10) }], later: nested(10) };
    const v = findJsonDepthViolation(body, 5);
    expect(v).toEqual({ path: 'tools[1].deep.a.a', maxDepth: 5 });
    expect(depthOf(resolve(body, violationPath(body, 5)))).toBeGreaterThan(0);
  });

  it('gives a path that leads to a value past the limit, for arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 6 }), (v, max) => {
        const found = findJsonDepthViolation(v, max);
        if (depthOf(v) <= max) {
          expect(found).toBeUndefined();
          return;
        }
        const path = violationPath(v, max);
        const at = resolve(v, path);
        expect(typeof at === 'object' && at !== null).toBe(true);
        // The container named sits at level max + 1: its path has exactly max segments.
        const segments = path.match(/\[(?:\d+|"(?:[^"\\]|\\.)*")\]|[A-Za-z_$][\w$-]*/g);
        expect(segments?.length ?? 0).toBe(max);
      }),
      { numRuns: 1000 },
    );
  });

  it('quotes keys that are not identifiers and bounds the path it reports', () => {
    expect(findJsonDepthViolation({ 'a b': { 'x.y': {} } }, 2)?.path).toBe('["a b"]["x.y"]');
    const longKey = 'k'.repeat(100_000);
    const path = violationPath(nested(1000, longKey), 64);
    expect(path.length).toBeLessThanOrEqual(256 + 3);
    expect(path.endsWith('...')).toBe(true);
    expect(violationPath(nested(1000), 5, 'body')).toBe('body.a.a.a.a.a');
  });
});

describe('checkJsonDepth', () => {
  it('throws a 400 naming the field, code nesting_too_deep', () => {
    const err = thrown(() => checkJsonDepth({ response_format: nested(100) }, 64));
    expect(err.status).toBe(400);
    expect(err.code).toBe('nesting_too_deep');
    expect(err.param?.startsWith('response_format.a.a')).toBe(true);
    expect(err.message).toContain('at most 64 levels');
  });

  it('refuses a nonsensical limit as a programming error', () => {
    expect(() => checkJsonDepth({}, 0)).toThrow(RangeError);
    expect(() => checkJsonDepth({}, 1.5)).toThrow(RangeError);
  });
});

describe('the request validators hold bodies to the depth limit', () => {
  const deep = nested(10_000);

  it.each([
    [
      'tools[0].function.parameters',
      chat({ tools: [{ type: 'function', function: { name: 'f', parameters: deep } }] }),
    ],
    [
      'response_format.json_schema.schema',
      chat({
        response_format: { type: 'json_schema', json_schema: { name: 'n', schema: deep } },
      }),
    ],
    ['extra_field', chat({ extra_field: deep })],
    ['messages[0].content', { model: 'm', messages: [{ role: 'user', content: [deep] }] }],
  ])('chat: a 10,000-deep %s is a 400 naming it', (field, body) => {
    const err = thrown(() => validateChatCompletionRequest(body));
    expect(err.code).toBe('nesting_too_deep');
    expect(err.param?.startsWith(field)).toBe(true);
  });

  it('embeddings: unknown deep fields are refused too', () => {
    const err = thrown(() => validateEmbeddingRequest({ model: 'e', input: 'x', extra: deep }));
    expect(err.param?.startsWith('extra.a')).toBe(true);
  });

  it('accepts exactly the configured depth and refuses one more', () => {
    // body (1) > tools (2) > tools[0] (3) > function (4): a schema of n levels reaches 4 + n.
    const withSchema = (levels: number) =>
      chat({ tools: [{ type: 'function', function: { name: 'f', parameters: nested(levels) } }] });
    const limit = DEFAULT_MAX_JSON_DEPTH;
    expect(() => validateChatCompletionRequest(withSchema(limit - 4))).not.toThrow();
    expect(() => validateChatCompletionRequest(withSchema(limit - 3))).toThrow(OpenAIRequestError);
    expect(() =>
      validateChatCompletionRequest(withSchema(limit - 3), { maxJsonDepth: limit + 1 }),
    ).not.toThrow();
    expect(() => validateChatCompletionRequest(withSchema(4), { maxJsonDepth: 7 })).toThrow(
      OpenAIRequestError,
    );
  });

  it('every body a validator accepts can be serialised (what forwarding it needs)', () => {
    const deepish = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.constant(1),
        fc.array(tie('node'), { maxLength: 2 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 2 }),
      ),
    })).node;
    fc.assert(
      fc.property(deepish, (schema) => {
        const body = chat({ metadata_free: schema });
        let accepted = true;
        try {
          validateChatCompletionRequest(body, { maxJsonDepth: 4 });
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(depthOf(body) <= 4);
        if (accepted) expect(() => JSON.stringify(body)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
