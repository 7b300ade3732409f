import type { AgentRequest } from '../generated/agent';
import {
  decodeDeltaData,
  decodeErrorData,
  decodeFinalData,
  decodeRegistration,
  decodeRequest,
  decodeStatus,
  encodeRegistration,
  encodeRequest,
  encodeStatus,
  MAX_BODY_LENGTH,
  MAX_MODEL_LENGTH,
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

  it('refuses an over-long body without parsing it', () => {
    const big = { body: `{"x":"${'a'.repeat(MAX_BODY_LENGTH)}"}` };
    expect(protocolError(() => decodeRequest(request(big))).code).toBe('field_too_long');
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
  it('decode final, error and delta payloads', () => {
    const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    expect(decodeFinalData(JSON.stringify({ finish_reason: 'stop', usage }))).toEqual({
      finish_reason: 'stop',
      usage,
    });
    expect(protocolError(() => decodeFinalData('{"usage":{}}')).code).toBe('invalid_field');
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
    expect(protocolError(() => decodeDeltaData('{"tool_calls":1}')).code).toBe('invalid_field');
    expect(protocolError(() => parseJsonObject('nope', 'x')).code).toBe('malformed_json');
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
