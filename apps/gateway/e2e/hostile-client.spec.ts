import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import {
  httpRequest,
  isOpenAIErrorBody,
  rawRequest,
  type OpenAIErrorBody,
} from './support/raw-http';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';
import { WsTestClient } from './support/ws-client';

/** This file's DDS domain (hardening range 150-159). */
const DOMAIN = '150';
const MODEL = 'hc-model';
const FAST = ['--ttft-ms', '0', '--prefill-tps', '0', '--decode-tps', '0', '--output-tokens', '6'];

/**
 * `{"a":{"a":...{}}}`, `levels` objects deep, as JSON text: too deep for `JSON.stringify`, which
 * is the point.
 */
function nested(levels: number): string {
  return `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
}

function chat(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: MODEL, messages: [{ role: 'user', content: 'hello' }], ...extra };
}

/** A chat body as JSON text with `deep` (JSON text) spliced in where `"$DEEP"` stands. */
function chatWith(template: Record<string, unknown>, deep: string): string {
  return JSON.stringify(chat(template)).replace('"$DEEP"', deep);
}

function errorOf(text: string): OpenAIErrorBody['error'] {
  expect(isOpenAIErrorBody(text)).toBe(true);
  return (JSON.parse(text) as OpenAIErrorBody).error;
}

interface Listing {
  id: string;
  health: string;
}

describe('hostile clients: the gateway answers every one with an OpenAI error and keeps serving', () => {
  let sim: SimulatorProcess;
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    sim = await SimulatorProcess.start([
      '--dds-domain',
      DOMAIN,
      '--port',
      '0',
      '--timeout',
      '2',
      '--heartbeat-interval',
      '0.25',
      '--id-prefix',
      'hc-',
      '--count',
      '2',
      '--model',
      MODEL,
      ...FAST,
    ]);
    gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
      DDS_LLM_AGENTS_TIMEOUT: '2',
      DDS_LLM_SERVER_RECEIVE_TIMEOUT: '1',
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
    await waitFor('both agents', async () => (await agents()).length === 2, 20_000);
  });

  afterAll(async () => {
    await gateway?.close();
    await sim?.stop();
  });

  async function agents(): Promise<Listing[]> {
    const res = await fetch(`${gateway.url}/api/v1/agents`);
    return ((await res.json()) as { data: Listing[] }).data;
  }

  async function post(body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  }

  async function normalChatAnswers(): Promise<void> {
    const done = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(done.choices[0].finish_reason).toBe('stop');
    expect(done.usage?.completion_tokens).toBe(6);
  }

  it.each([
    [
      'tools[0].function.parameters',
      chatWith(
        { tools: [{ type: 'function', function: { name: 'f', parameters: '$DEEP' } }] },
        nested(10_000),
      ),
    ],
    [
      'response_format.json_schema.schema',
      chatWith(
        { response_format: { type: 'json_schema', json_schema: { name: 'n', schema: '$DEEP' } } },
        nested(10_000),
      ),
    ],
  ])(
    'a 10,000-deep %s is a 400 naming it, twenty times over, and opens no breaker',
    async (param, body) => {
      for (let i = 0; i < 20; i++) {
        const res = await post(body);
        expect(res.status).toBe(400);
        const error = errorOf(res.text);
        expect(error.code).toBe('nesting_too_deep');
        expect(error.param?.startsWith(param)).toBe(true);
      }
      expect((await agents()).map((a) => a.health)).toEqual(['healthy', 'healthy']);
      // Before the fix, eight such requests opened both agents' breakers: every chat got a 502.
      for (let i = 0; i < 4; i++) await normalChatAnswers();
    },
  );

  it('a deep body over the WebSocket gets an error frame naming the field', async () => {
    const ws = await WsTestClient.connect(`${gateway.url.replace('http', 'ws')}/api/v1/ws`);
    try {
      ws.send(
        `{"type":"chat.completions.create","id":"deep","body":${chatWith({ x: '$DEEP' }, nested(5_000))}}`,
      );
      const frame = (await ws.next((f) => f.id === 'deep')) as {
        type: string;
        error?: OpenAIErrorBody['error'];
      };
      expect(frame.type).toBe('error');
      expect(frame.error?.code).toBe('nesting_too_deep');
      expect(frame.error?.param?.startsWith('x.a.a')).toBe(true);
    } finally {
      await ws.close();
    }
  });

  it('an x-session-id over 256 characters is a 400 whose param is x-session-id', async () => {
    const res = await post(chat(), { 'x-session-id': 's'.repeat(300) });
    expect(res.status).toBe(400);
    expect(errorOf(res.text)).toMatchObject({ param: 'x-session-id', code: 'invalid_value' });
    const ok = await post(chat(), { 'x-session-id': 's'.repeat(256) });
    expect(ok.status).toBe(200);
  });

  it('headers over 16 KB: 431 with an OpenAI body, and the connection is closed', async () => {
    const res = await rawRequest(gateway.url, [
      httpRequest('GET', '/v1/models', '', { 'x-big': 'a'.repeat(64 * 1024) }),
    ]);
    expect(res.status).toBe(431);
    expect(errorOf(res.body).code).toBe('request_header_fields_too_large');
    expect(res.headers['connection']).toBe('close');
    expect(res.closedByServer).toBe(true);
  });

  it.each([
    ['bytes that are not HTTP', ['HELLO WORLD\r\n\r\n']],
    [
      'invalid bytes in the path',
      [
        Buffer.concat([
          Buffer.from('GET /v1/mo'),
          Buffer.from([0xff, 0x00]),
          Buffer.from('dels HTTP/1.1\r\nHost: x\r\n\r\n'),
        ]),
      ],
    ],
    [
      'both Content-Length and Transfer-Encoding',
      [
        'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      ],
    ],
    ['a header without a colon', ['GET /health HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n']],
    [
      'a broken chunk size',
      [
        'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      ],
    ],
  ])('%s: 400 with an OpenAI body, and the connection is closed', async (_what, pieces) => {
    const res = await rawRequest(gateway.url, pieces);
    expect(res.status).toBe(400);
    expect(errorOf(res.body).code).toBe('malformed_http_request');
    expect(res.headers['connection']).toBe('close');
    expect(res.closedByServer).toBe(true);
  });

  it('a URL that is not valid percent-encoding is a 400, an overlong path parameter a 414, both OpenAI bodies', async () => {
    const bad = await rawRequest(gateway.url, [httpRequest('GET', '/v1/models/%E0%A4%A')], {
      closeWithinMs: 50,
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).code).toBe('invalid_url');
    const long = await rawRequest(
      gateway.url,
      [httpRequest('GET', `/api/v1/agents/${'x'.repeat(1000)}`)],
      { closeWithinMs: 50 },
    );
    expect(long.status).toBe(414);
    expect(errorOf(long.body).code).toBe('uri_too_long');
  });

  it('a body that stalls: 408 with an OpenAI body after server.receive_timeout', async () => {
    const started = Date.now();
    const res = await rawRequest(gateway.url, [
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":',
    ]);
    expect(res.status).toBe(408);
    expect(errorOf(res.body).code).toBe('request_timeout');
    expect(res.closedByServer).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('headers that trickle in: 408 too', async () => {
    const res = await rawRequest(gateway.url, [
      'GET /v1/models HTTP/1.1\r\nHost: x\r\n',
      { pauseMs: 600 },
      'X-A: 1\r\n',
      { pauseMs: 600 },
      'X-B: 2\r\n',
      { pauseMs: 2_000 },
    ]);
    expect(res.status).toBe(408);
    expect(errorOf(res.body).code).toBe('request_timeout');
  });

  it('Connection: close is honoured on streamed, JSON and error answers', async () => {
    const close = { Connection: 'close' };
    const sse = await rawRequest(gateway.url, [
      httpRequest('POST', '/v1/chat/completions', JSON.stringify(chat({ stream: true })), close),
    ]);
    expect(sse.status).toBe(200);
    expect(sse.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(sse.closedByServer).toBe(true);
    const json = await rawRequest(gateway.url, [
      httpRequest('POST', '/v1/chat/completions', JSON.stringify(chat()), close),
    ]);
    expect(json.status).toBe(200);
    expect(json.closedByServer).toBe(true);
    const bad = await rawRequest(gateway.url, [
      httpRequest('POST', '/v1/chat/completions', '{}', close),
    ]);
    expect(bad.status).toBe(400);
    expect(bad.closedByServer).toBe(true);
    // Without it, the connection stays open for the next request.
    const kept = await rawRequest(
      gateway.url,
      [httpRequest('POST', '/v1/chat/completions', JSON.stringify(chat({ stream: true })))],
      { closeWithinMs: 500 },
    );
    expect(kept.status).toBe(200);
    expect(kept.closedByServer).toBe(false);
  });

  it('400 distinct 100 KB model names add one model="unknown" series to /metrics, not 400', async () => {
    const scrape = async () => (await fetch(`${gateway.url}/metrics`)).text();
    const before = await scrape();
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(chat({ model: `hc-${batch * 20 + i}-`.padEnd(100_000, 'q') })),
        ),
      );
      for (const res of answers) {
        expect(res.status).toBe(404);
        expect(errorOf(res.text).code).toBe('model_not_found');
      }
    }
    const after = await scrape();
    expect(after).not.toContain('qqqqqqqq');
    expect(after).toContain(
      'gateway_requests_total{endpoint="chat",model="unknown",agent="",status="404"} 400',
    );
    // Before the fix every name was a series of its own: /metrics grew by 40 MB.
    expect(after.length - before.length).toBeLessThan(4_096);
    // A served model keeps its own series.
    expect(after).toMatch(new RegExp(`gateway_requests_total\\{endpoint="chat",model="${MODEL}",`));
  });

  it('after all of it, the fleet is healthy and a normal chat answers', async () => {
    expect((await agents()).map((a) => a.health)).toEqual(['healthy', 'healthy']);
    await normalChatAnswers();
  });
});
