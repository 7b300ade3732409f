import type { AgentRegistration, AgentRequest } from '../generated/agent';
import {
  decodeDeltaData,
  decodeErrorData,
  decodeFinalData,
  decodeRegistration,
  CONTINUE_FROM_KEY,
  decodeRequest,
  decodeStatus,
  encodeRegistration,
  encodeRequest,
  encodeStatus,
  finalSample,
  MAX_BODY_DEPTH,
  MAX_BODY_LENGTH,
  MAX_CAPABILITIES,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_MODEL_LENGTH,
  MAX_MODELS_PER_AGENT,
  MAX_TOOL_CALLS,
  parseJsonObject,
  requestReplyAddress,
} from './codec';
import { PROTOCOL_VERSION, type AgentInfo } from './model';
import { ProtocolError } from './protocol-error';
import { assertValidId, isValidId } from './topics';

const info: AgentInfo = {
  agentId: 'sim-text-1',
  protocolVersion: PROTOCOL_VERSION,
  models: ['phi-4-mini'],
  specialization: 'text',
  capabilities: ['streaming', 'functions'],
  slots: 4,
  maxContextTokens: 8192,
  version: '0.1.0',
  hostname: 'box',
  httpEndpoint: 'http://127.0.0.1:8101/v1',
  leaseMs: 2000,
};

function request(overrides: Partial<AgentRequest> = {}): AgentRequest {
  return {
    ...encodeRequest('r1', 'sim-text-1', 'gw1', {
      kind: 'chat',
      body: { model: 'phi-4-mini', messages: [{ role: 'user', content: 'hi' }] },
      stream: true,
      deadlineMs: 1000,
    }),
    ...overrides,
  };
}

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('registration and status codecs', () => {
  it('round-trip an agent', () => {
    expect(decodeRegistration(encodeRegistration(info))).toEqual(info);
    const { httpEndpoint: _, ...noHttp } = info;
    expect(encodeRegistration(noHttp).http_endpoint).toBe('');
    expect(decodeRegistration(encodeRegistration(noHttp))).toEqual(noHttp);
  });

  it('refuse an unknown specialization and an invalid id', () => {
    expect(
      protocolError(() =>
        decodeRegistration({ ...encodeRegistration(info), specialization: 'audio' }),
      ).code,
    ).toBe('invalid_field');
    expect(
      protocolError(() => decodeRegistration({ ...encodeRegistration(info), agent_id: 'a*' })).code,
    ).toBe('invalid_field');
  });

  it.each<[string, Partial<AgentRegistration>, string]>([
    [
      '10,000 models',
      { models: Array.from({ length: 10_000 }, (_, i) => `m${i}`) },
      'field_too_long',
    ],
    [
      'one model too many',
      { models: Array.from({ length: MAX_MODELS_PER_AGENT + 1 }, (_, i) => `m${i}`) },
      'field_too_long',
    ],
    ['a 100 KB model name', { models: ['m'.repeat(100_000)] }, 'field_too_long'],
    ['no models', { models: [] }, 'invalid_field'],
    ['an empty model name', { models: ['ok', ''] }, 'invalid_field'],
    [
      'too many capabilities',
      { capabilities: Array.from({ length: MAX_CAPABILITIES + 1 }, (_, i) => `c${i}`) },
      'field_too_long',
    ],
    ['zero slots', { slots: 0 }, 'invalid_field'],
  ])('refuse a registration with %s, saying why', (_what, overrides, code) => {
    const e = protocolError(() =>
      decodeRegistration({ ...encodeRegistration(info), ...overrides }),
    );
    expect(e.code).toBe(code);
    expect(e.message.length).toBeLessThan(200);
  });

  it('accept exactly the bounds', () => {
    const models = Array.from({ length: MAX_MODELS_PER_AGENT }, (_, i) =>
      `${i}`.padEnd(MAX_MODEL_LENGTH, 'm'),
    );
    expect(decodeRegistration({ ...encodeRegistration(info), models }).models).toHaveLength(
      MAX_MODELS_PER_AGENT,
    );
  });

  it('round-trip a status and refuse an unknown state', () => {
    const st = {
      agentId: 'a1',
      state: 'busy' as const,
      slotsBusy: 2,
      slotsTotal: 4,
      queueDepth: 3,
      emaLatencyMs: 12.5,
      tokensPerSecond: 40,
      heartbeatMs: 500,
    };
    expect(decodeStatus(encodeStatus(st))).toEqual(st);
    expect(protocolError(() => decodeStatus({ ...encodeStatus(st), state: 'asleep' })).code).toBe(
      'invalid_field',
    );
  });
});

describe('request codec', () => {
  it('carries the body as JSON, the model, and the time left, which the agent counts from receipt', () => {
    const w = request();
    expect(w.protocol_version).toBe(PROTOCOL_VERSION);
    expect(w.model).toBe('phi-4-mini');
    expect(w.timeout_ms).toBe(1000);
    const r = decodeRequest(w, 5_000);
    expect(r).toMatchObject({
      requestId: 'r1',
      agentId: 'sim-text-1',
      replyTo: 'gw1',
      kind: 'chat',
      stream: true,
      priority: 0,
      deadlineUnixMs: 6_000,
    });
    expect(r.body).toEqual({ model: 'phi-4-mini', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('has no deadline when none or an infinite one is given', () => {
    const w = encodeRequest('r', 'a', 'g', { kind: 'embedding', body: {}, stream: false });
    expect(w.timeout_ms).toBe(0);
    expect(decodeRequest(w).deadlineUnixMs).toBeUndefined();
    const inf = encodeRequest('r', 'a', 'g', {
      kind: 'chat',
      body: {},
      stream: false,
      deadlineMs: Infinity,
    });
    expect(inf.timeout_ms).toBe(0);
    const frac = encodeRequest('r', 'a', 'g', {
      kind: 'chat',
      body: {},
      stream: false,
      deadlineMs: 0.2,
    });
    expect(frac.timeout_ms).toBe(1);
  });

  it('rejects misuse at the call site', () => {
    expect(() =>
      encodeRequest('r', 'a', 'g', { kind: 'audio' as 'chat', body: {}, stream: false }),
    ).toThrow(RangeError);
    expect(() =>
      encodeRequest('r', 'a', 'g', { kind: 'chat', body: {}, stream: false, deadlineMs: 0 }),
    ).toThrow(RangeError);
    expect(() =>
      encodeRequest('r', 'a', 'g', { kind: 'chat', body: null as never, stream: false }),
    ).toThrow(TypeError);
  });

  it.each([
    ['malformed JSON body', { body: '{"model": ' }, 'malformed_json'],
    ['non-object body', { body: '[1,2]' }, 'malformed_json'],
    [
      'newer protocol version',
      { protocol_version: PROTOCOL_VERSION + 1 },
      'unsupported_protocol_version',
    ],
    ['unknown kind', { kind: 'audio' }, 'unknown_kind'],
    ['over-long model', { model: 'm'.repeat(MAX_MODEL_LENGTH + 1) }, 'field_too_long'],
    ['over-long request id', { request_id: 'r'.repeat(200) }, 'field_too_long'],
    ['wildcard reply_to', { reply_to: 'gw*' }, 'invalid_field'],
  ] as const)('refuses a %s with a typed error', (_what, overrides, code) => {
    const e = protocolError(() => decodeRequest(request(overrides)));
    expect(e.code).toBe(code);
    expect(e.message.length).toBeGreaterThan(0);
  });

  it('carries a continuation beside the body and hands the agent the body without it', () => {
    const continueFrom = {
      text: 'Once upon',
      tool_calls: [
        {
          index: 0,
          id: 'call_1',
          type: 'function' as const,
          function: { name: 'f', arguments: '{"a' },
        },
      ],
      completion_tokens: 3,
    };
    const body = { model: 'phi-4-mini', messages: [{ role: 'user', content: 'hi' }] };
    const w = encodeRequest('r1', 'a', 'gw1', { kind: 'chat', body, stream: true, continueFrom });
    expect(JSON.parse(w.body)[CONTINUE_FROM_KEY]).toEqual(continueFrom);
    const r = decodeRequest(w);
    expect(r.continueFrom).toEqual(continueFrom);
    expect(r.body).toEqual(body);
    // Without one, nothing extra travels.
    expect(decodeRequest(request()).continueFrom).toBeUndefined();
    expect(() =>
      encodeRequest('r', 'a', 'g', {
        kind: 'chat',
        body,
        stream: true,
        continueFrom: { text: '', completion_tokens: -1 },
      }),
    ).toThrow(RangeError);
  });

  it.each([
    ['not an object', 'x'],
    ['no text', { completion_tokens: 1 }],
    ['a fractional token count', { text: 'a', completion_tokens: 1.5 }],
    ['malformed tool calls', { text: 'a', completion_tokens: 1, tool_calls: [{ index: -1 }] }],
  ])('refuses a continuation that is %s as invalid_field', (_what, value) => {
    const body = JSON.stringify({ model: 'm', messages: [], [CONTINUE_FROM_KEY]: value });
    expect(protocolError(() => decodeRequest(request({ body }))).code).toBe('invalid_field');
  });

  it('refuses an over-long body without parsing it', () => {
    const big = { body: `{"x":"${'a'.repeat(MAX_BODY_LENGTH)}"}` };
    expect(protocolError(() => decodeRequest(request(big))).code).toBe('field_too_long');
  });

  it('refuses a body too deep to forward with a typed error, never a stack overflow', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const body = { model: 'm', messages: [], tools: [{ function: { parameters: deep } }] };
    const e = protocolError(() =>
      encodeRequest('r', 'a', 'g', { kind: 'chat', body, stream: false }),
    );
    expect(e.code).toBe('body_too_deep');
    expect(e.message).toMatch(/^body\.tools\[0\]\.function\.parameters\.a/);
    let ok: Record<string, unknown> = {};
    for (let i = 1; i < MAX_BODY_DEPTH; i++) ok = { a: ok };
    expect(() =>
      encodeRequest('r', 'a', 'g', { kind: 'chat', body: ok, stream: false }),
    ).not.toThrow();
    expect(
      protocolError(() =>
        encodeRequest('r', 'a', 'g', { kind: 'chat', body: { x: ok }, stream: false }),
      ).code,
    ).toBe('body_too_deep');
  });

  it('refuses a body that cannot be serialised or is too long to send', () => {
    const big = { x: 'a'.repeat(MAX_BODY_LENGTH) };
    expect(
      protocolError(() => encodeRequest('r', 'a', 'g', { kind: 'chat', body: big, stream: false }))
        .code,
    ).toBe('field_too_long');
    expect(
      protocolError(() =>
        encodeRequest('r', 'a', 'g', { kind: 'chat', body: { n: 1n }, stream: false }),
      ).code,
    ).toBe('invalid_body');
  });

  it('refuses a received body nested too deeply (a hostile gateway)', () => {
    const deep = `${'{"a":'.repeat(MAX_BODY_DEPTH)}{}${'}'.repeat(MAX_BODY_DEPTH)}`;
    expect(protocolError(() => decodeRequest(request({ body: deep }))).code).toBe('body_too_deep');
  });

  it('tells whether a broken request can be answered', () => {
    expect(requestReplyAddress(request({ body: 'x' }))).toEqual({
      requestId: 'r1',
      replyTo: 'gw1',
    });
    expect(requestReplyAddress(request({ reply_to: '' }))).toBeUndefined();
    expect(requestReplyAddress(request({ request_id: 'a b' }))).toBeUndefined();
  });
});

describe('response data codecs', () => {
  const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };

  it('decode final, error and delta payloads', () => {
    expect(decodeFinalData(JSON.stringify({ finish_reason: 'stop', usage }))).toEqual({
      finish_reason: 'stop',
      usage,
    });
    expect(protocolError(() => decodeFinalData('{"usage":{}}')).code).toBe('malformed_response');
    expect(decodeErrorData('{"code":"x","message":"m","retryable":true}')).toEqual({
      code: 'x',
      message: 'm',
      retryable: true,
    });
    expect(decodeErrorData('{}')).toEqual({
      code: 'engine_error',
      message: 'unknown error',
      retryable: false,
    });
    expect(decodeDeltaData('')).toEqual({});
    expect(protocolError(() => decodeDeltaData('{"tool_calls":1}')).code).toBe(
      'malformed_response',
    );
    expect(protocolError(() => parseJsonObject('nope', 'x')).code).toBe('malformed_json');
  });

  it('round-trip what the agent side encodes', () => {
    const data = {
      finish_reason: 'tool_calls',
      usage: { ...usage, prompt_tokens_details: { cached_tokens: 1 } },
      tool_calls: [
        { index: 0, id: 'c1', type: 'function' as const, function: { name: 'f', arguments: '{}' } },
      ],
      embeddings: [[0.5, -1]],
    };
    expect(decodeFinalData(finalSample('r', 0, 'a', data).data)).toEqual(data);
  });

  it.each([
    ['final data that is not JSON', () => decodeFinalData('{"finish_reason":')],
    ['final data that is an array', () => decodeFinalData('[]')],
    [
      'a usage with a string count',
      () =>
        decodeFinalData(
          JSON.stringify({ finish_reason: 'stop', usage: { ...usage, total_tokens: '3' } }),
        ),
    ],
    [
      'a usage with a negative count',
      () =>
        decodeFinalData(
          JSON.stringify({ finish_reason: 'stop', usage: { ...usage, prompt_tokens: -1 } }),
        ),
    ],
    [
      'a 1 MB finish reason',
      () => decodeFinalData(JSON.stringify({ finish_reason: 'x'.repeat(1 << 20), usage })),
    ],
    [
      'a tool call without an index',
      () =>
        decodeFinalData(
          JSON.stringify({ finish_reason: 'stop', usage, tool_calls: [{ id: 'x' }] }),
        ),
    ],
    [
      'too many tool calls',
      () =>
        decodeDeltaData(
          JSON.stringify({
            tool_calls: Array.from({ length: MAX_TOOL_CALLS + 1 }, (_, index) => ({ index })),
          }),
        ),
    ],
    [
      'a tool call argument that is an object',
      () =>
        decodeDeltaData(
          JSON.stringify({ tool_calls: [{ index: 0, function: { arguments: {} } }] }),
        ),
    ],
    [
      'an embedding with a string in it',
      () =>
        decodeFinalData(JSON.stringify({ finish_reason: 'stop', usage, embeddings: [[1, 'x']] })),
    ],
    ['error data that is not JSON', () => decodeErrorData('oops')],
  ])("refuse %s as the agent's fault (malformed_response)", (_what, decode) => {
    expect(protocolError(decode).code).toBe('malformed_response');
  });

  it('keep only the fields the protocol defines, so nothing deep or unknown passes on', () => {
    const text = `{"finish_reason":"stop","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"extra":${JSON.stringify(
      { a: 1 },
    )}},"junk":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const f = decodeFinalData(text);
    expect(f).toEqual({ finish_reason: 'stop', usage });
    expect(() => JSON.stringify(f)).not.toThrow();
    const e = decodeErrorData(
      JSON.stringify({ code: 'x'.repeat(1000), message: 'm'.repeat(1 << 20) }),
    );
    expect(e.code).toBe('engine_error');
    expect(e.message).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
  });
});

describe('ids', () => {
  it('accept partition-safe ids only', () => {
    expect(isValidId('agent-1.a_b:c')).toBe(true);
    for (const bad of ['', '-a', 'a b', 'a*', 'a?', 'a[1]', 'a\\b', 'x'.repeat(129), 42]) {
      expect(isValidId(bad)).toBe(false);
    }
    expect(() => assertValidId(42, 'agentId')).toThrow(TypeError);
    expect(() => assertValidId('a*', 'agentId')).toThrow(/agentId "a\*" may only contain/);
    expect(() => assertValidId('', 'agentId')).toThrow(RangeError);
  });
});
