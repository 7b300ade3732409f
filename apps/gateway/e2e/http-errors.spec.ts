import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { OpenAiStubServer } from './support/openai-stub-server';
import { waitFor } from './support/wait-for';

const user = [{ role: 'user' as const, content: 'hi' }];

function agentYaml(agents: { id: string; url: string; slots?: number }[], extra = ''): string {
  return [
    'agents:',
    '  http:',
    ...agents.map(
      (a) =>
        `    - { id: ${a.id}, url: "${a.url}", models: [m], capabilities: [streaming, functions], slots: ${a.slots ?? 4} }`,
    ),
    extra,
  ].join('\n');
}

describe('gateway error paths over HTTP agents (openai SDK as the client)', () => {
  const stubs: OpenAiStubServer[] = [];
  const gateways: Gateway[] = [];

  async function stub(name: string): Promise<OpenAiStubServer> {
    const s = new OpenAiStubServer(name);
    await s.start();
    stubs.push(s);
    return s;
  }

  async function gateway(env: Record<string, string>, yaml?: string): Promise<Gateway> {
    const g = await startTestGateway({ DDS_LLM_DDS_ENABLED: 'false', ...env }, yaml);
    gateways.push(g);
    return g;
  }

  const sdk = (g: Gateway, apiKey = 'none') =>
    new OpenAI({ baseURL: `${g.url}/v1`, apiKey, maxRetries: 0 });

  afterAll(async () => {
    for (const g of gateways) await g.close();
    for (const s of stubs) await s.stop();
  });

  it('401 without or with a wrong API key; /health stays open', async () => {
    const a = await stub('auth');
    const g = await gateway(
      { DDS_LLM_API_KEYS: 'good-key-123456' },
      agentYaml([{ id: 'a', url: a.baseUrl }]),
    );
    await expect(
      sdk(g, 'bad-key-0000000').chat.completions.create({ model: 'm', messages: user }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const ok = await sdk(g, 'good-key-123456').chat.completions.create({
      model: 'm',
      messages: user,
    });
    expect(ok.choices[0].message.content).toBe('Hello from stub');
    expect((await fetch(`${g.url}/health`)).status).toBe(200);
    expect((await fetch(`${g.url}/health?probe=1`)).status).toBe(200);
    expect((await fetch(`${g.url}/metrics?name[]=x`)).status).toBe(200);
    const noAuth = await fetch(`${g.url}/api/v1/agents`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('answers CORS preflights for configured origins only, even with API keys on', async () => {
    const g = await gateway({
      DDS_LLM_SERVER_CORS_ORIGINS: 'https://app.example',
      DDS_LLM_API_KEYS: 'cors-key-123456',
    });
    const preflight = (origin: string) =>
      fetch(`${g.url}/v1/chat/completions`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const ok = await preflight('https://app.example');
    expect(ok.status).toBeLessThan(300);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('404 with an OpenAI body for unknown routes and methods; 400/415 for other content types', async () => {
    const g = await gateway({});
    for (const [method, path] of [
      ['GET', '/v1/nope'],
      ['GET', '/v1/chat/completions'],
      ['DELETE', '/api/v1/agents'],
    ]) {
      const res = await fetch(`${g.url}${path}`, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    }
    const text = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const xml = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<chat/>',
    });
    expect(xml.status).toBe(415);
    expect(await xml.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('logs one record per request at debug, none at info', async () => {
    const a = await stub('logs');
    const yaml = agentYaml([{ id: 'a', url: a.baseUrl }]);
    const quiet = (await gateway({}, yaml)) as Gateway & { logs: string[] };
    const chatty = (await gateway({ DDS_LLM_LOG_LEVEL: 'DEBUG' }, yaml)) as Gateway & {
      logs: string[];
    };
    for (const g of [quiet, chatty]) {
      await sdk(g).chat.completions.create({ model: 'm', messages: user });
      await sdk(g)
        .chat.completions.create({ model: 'nope', messages: user })
        .catch(() => undefined);
    }
    const records = (g: { logs: string[] }) =>
      g.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records(quiet).filter((r) => r['component'] === 'requests')).toEqual([]);
    const logged = records(chatty).filter((r) => r['component'] === 'requests');
    expect(logged).toEqual([
      expect.objectContaining({ msg: 'request completed', model: 'm', agent: 'a', attempts: 1 }),
      expect.objectContaining({
        msg: 'request failed',
        model: 'nope',
        status: 404,
        code: 'model_not_found',
      }),
    ]);
  });

  it('413 for a body over the limit, 400 for malformed JSON', async () => {
    const a = await stub('limits');
    const g = await gateway(
      { DDS_LLM_SERVER_BODY_LIMIT: '2048' },
      agentYaml([{ id: 'a', url: a.baseUrl }]),
    );
    const err = await sdk(g)
      .chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x'.repeat(4096) }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('request_too_large');

    const bad = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "m", ',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('400 naming the header for a bad x-priority or x-request-timeout', async () => {
    const a = await stub('hdr');
    const g = await gateway({}, agentYaml([{ id: 'a', url: a.baseUrl }]));
    await expect(
      sdk(g).chat.completions.create(
        { model: 'm', messages: user },
        { headers: { 'x-priority': 'urgent' } },
      ),
    ).rejects.toMatchObject({ status: 400, param: 'x-priority' });
    await expect(
      sdk(g).chat.completions.create(
        { model: 'm', messages: user },
        { headers: { 'x-request-timeout': 'soon' } },
      ),
    ).rejects.toMatchObject({ status: 400, param: 'x-request-timeout' });
  });

  it('503 when no agent is in the fleet, and /health/ready says not ready', async () => {
    const g = await gateway({});
    const err = await sdk(g)
      .chat.completions.create({ model: 'm', messages: user })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    const ready = await fetch(`${g.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', agents: { healthy: 0 } });
  });

  it('counts failed requests of both endpoints in gateway_requests_total', async () => {
    const g = await gateway({});
    await expect(
      sdk(g).chat.completions.create({ model: 'm', messages: user }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(sdk(g).embeddings.create({ model: 'e', input: 'hi' })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    // No agent serves "m" or "e": a model name only becomes a label while an agent serves it.
    expect(metrics).toMatch(
      /^gateway_requests_total\{endpoint="chat",model="unknown",agent="",status="503"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^gateway_requests_total\{endpoint="embeddings",model="unknown",agent="",status="503"\} 1$/m,
    );
  });

  it('429 with Retry-After when the queue is full', async () => {
    const a = await stub('busy');
    a.behaviour = { ...a.behaviour, wordDelayMs: 100, words: ['a', 'b', 'c', 'd', 'e'] };
    const g = await gateway(
      { DDS_LLM_SCHEDULER_MAX_QUEUE_SIZE: '1' },
      agentYaml([{ id: 'a', url: a.baseUrl, slots: 1 }]),
    );
    const client = sdk(g);
    const running = client.chat.completions.create({ model: 'm', messages: user });
    await waitFor('the first request to reach the agent', () =>
      a.received.some((r) => r.path.endsWith('/chat/completions')),
    );
    const queued = client.chat.completions.create({ model: 'm', messages: user });
    await waitFor('the second request to wait in the queue', async () => {
      const metrics = await (await fetch(`${g.url}/metrics`)).text();
      return /^gateway_queue_depth\{priority="1"\} 1$/m.test(metrics);
    });
    // Fetch, not the SDK: the SDK hides the headers of a failed call behind its error.
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: user }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({ error: { code: 'queue_full' } });
    await expect(
      client.chat.completions.create({ model: 'm', messages: user }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    expect((await running).choices[0].message.content).toBe('abcde');
    expect((await queued).choices[0].message.content).toBe('abcde');
  });

  it('504 when the deadline (x-request-timeout) passes', async () => {
    const a = await stub('slow');
    a.behaviour = { ...a.behaviour, wordDelayMs: 300 };
    const g = await gateway({}, agentYaml([{ id: 'a', url: a.baseUrl }]));
    const err = await sdk(g)
      .chat.completions.create(
        { model: 'm', messages: user },
        { headers: { 'x-request-timeout': '0.2' } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
  });

  it('retries transparently on another agent when the first fails before any output', async () => {
    const bad = await stub('bad');
    bad.behaviour = { ...bad.behaviour, failWith: 503 };
    const good = await stub('good');
    const g = await gateway(
      { DDS_LLM_SELECTOR_STRATEGY: 'round-robin' },
      agentYaml([
        { id: 'bad', url: bad.baseUrl },
        { id: 'good', url: good.baseUrl },
      ]),
    );
    for (let i = 0; i < 4; i++) {
      const stream = await sdk(g).chat.completions.create({
        model: 'm',
        messages: user,
        stream: true,
      });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
      expect(text).toBe('Hello from stub');
    }
    expect(bad.received.filter((r) => r.path.endsWith('/chat/completions')).length).toBeGreaterThan(
      0,
    );
    expect(good.completed).toBe(4);
  });

  it('ends a stream with an explicit error event when the agent dies mid-stream', async () => {
    const a = await stub('dies');
    a.behaviour = { ...a.behaviour, words: ['one', ' two', ' three', ' four'], dieAfterWords: 2 };
    const g = await gateway({}, agentYaml([{ id: 'a', url: a.baseUrl }]));
    const stream = await sdk(g).chat.completions.create({
      model: 'm',
      messages: user,
      stream: true,
    });
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('one two');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/agent/i);
  });

  it('cancels at the agent when the client disconnects mid-stream', async () => {
    const a = await stub('cancel');
    a.behaviour = {
      ...a.behaviour,
      words: Array.from({ length: 50 }, (_, i) => `w${i} `),
      wordDelayMs: 20,
    };
    const g = await gateway({}, agentYaml([{ id: 'a', url: a.baseUrl }]));
    const controller = new AbortController();
    const stream = await sdk(g).chat.completions.create(
      { model: 'm', messages: user, stream: true },
      { signal: controller.signal },
    );
    let n = 0;
    await (async () => {
      for await (const _ of stream) if (++n === 3) controller.abort();
    })().catch(() => undefined);
    await waitFor('the agent to see its stream cancelled', () => a.abortedStreams === 1);
    expect(a.completed).toBe(0);
  });
});
