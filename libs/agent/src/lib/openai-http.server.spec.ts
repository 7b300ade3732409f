import { Agent } from './agent';
import type { EngineEvent } from './engine';
import { FailureInjectingEngine } from './failure-injection';
import { OpenAIEngine } from './openai.engine';
import { SimEngine } from './sim.engine';
import { decodeEmbeddingBase64 } from '@dds/openai-schema';
import { once } from 'node:events';
import OpenAI from 'openai';
import { MAX_HTTP_BODY_BYTES, OpenAIHttpServer } from './openai-http.server';

/** The agent is never started: HTTP serving needs no DDS, only the agent's slots and engine. */
function agent(opts: Partial<ConstructorParameters<typeof Agent>[0]> = {}): Agent {
  return new Agent({
    id: 'http-1',
    models: ['phi-4-mini'],
    specialization: 'text',
    slots: 2,
    engine: new SimEngine({
      ttftMs: 0,
      decodeTokensPerSec: 0,
      outputTokens: 6,
      embeddingDim: 8,
      seed: 1,
    }),
    ...opts,
  });
}

describe('the agent HTTP port, driven by the official openai SDK', () => {
  let server: OpenAIHttpServer;
  let client: OpenAI;
  let baseUrl: string;

  beforeAll(async () => {
    server = new OpenAIHttpServer(agent({ models: ['phi-4-mini', 'nomic-embed-text'] }));
    baseUrl = await server.listen(0);
    client = new OpenAI({ baseURL: baseUrl, apiKey: 'unused', maxRetries: 0 });
  });

  afterAll(() => server.close());

  it('answers a chat completion', async () => {
    const r = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]?.message.content?.split(' ')).toHaveLength(6);
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({
      completion_tokens: 6,
      total_tokens: (r.usage?.prompt_tokens ?? 0) + 6,
    });
  });

  it('streams the same text over SSE, with usage when asked', async () => {
    const body = {
      model: 'phi-4-mini',
      messages: [{ role: 'user' as const, content: 'stream me' }],
    };
    const whole = await client.chat.completions.create(body);
    const stream = await client.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe('stop');
    expect(usage).toEqual(whole.usage);
  });

  it('returns tool calls in JSON and in the stream', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
      },
    ];
    const messages = [{ role: 'user' as const, content: 'call get_time please' }];
    const r = await client.chat.completions.create({ model: 'phi-4-mini', messages, tools });
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    const call = r.choices[0]?.message.tool_calls?.[0];
    expect(call).toMatchObject({
      type: 'function',
      function: { name: 'get_time', arguments: '{}' },
    });
    const stream = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages,
      tools,
      stream: true,
    });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += tc.function?.name ?? '';
        args += tc.function?.arguments ?? '';
      }
    }
    expect({ name, args }).toEqual({ name: 'get_time', args: '{}' });
  });

  it('serves embeddings (float and base64) and the model list', async () => {
    const r = await client.embeddings.create({ model: 'nomic-embed-text', input: ['a', 'b'] });
    expect(r.data.map((d) => d.index)).toEqual([0, 1]);
    expect(r.data[0]?.embedding).toHaveLength(8);
    const b64 = await client.embeddings.create({
      model: 'nomic-embed-text',
      input: 'a',
      encoding_format: 'base64',
    });
    // The SDK decodes base64 to floats: same vector within float32 precision.
    decodeEmbeddingBase64(b64.data[0]?.embedding as unknown as string).forEach((v, i) =>
      expect(v).toBeCloseTo(r.data[0]?.embedding[i] as number, 6),
    );
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['phi-4-mini', 'nomic-embed-text']);
    const raw = await fetch(baseUrl.replace('/v1', '/api/v1/models'));
    expect(raw.status).toBe(200);
  });

  it('answers bad input with OpenAI error bodies', async () => {
    await expect(
      client.chat.completions.create({
        model: 'gpt-9',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
    await expect(
      client.chat.completions.create({ model: 'phi-4-mini', messages: [] }),
    ).rejects.toMatchObject({ status: 400 });
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(res.status).toBe(400);
    expect((await res.json()) as unknown).toMatchObject({
      error: { type: 'invalid_request_error' },
    });
    const nf = await fetch(`${baseUrl}/nope`);
    expect(nf.status).toBe(404);
  });

  it('answers 413 to a body over the limit instead of resetting the connection', async () => {
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(MAX_HTTP_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect((await res.json()) as unknown).toMatchObject({
      error: { type: 'invalid_request_error' },
    });
  });

  it('refuses images on a text-only model, accepts them on a vision one', async () => {
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'what is it' },
          { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ];
    await expect(
      client.chat.completions.create({ model: 'phi-4-mini', messages }),
    ).rejects.toMatchObject({ status: 400 });
    const vision = new OpenAIHttpServer(
      agent({
        id: 'v-1',
        models: ['qwen2-vl-2b'],
        specialization: 'vision',
        engine: new SimEngine({ vision: true, ttftMs: 0, decodeTokensPerSec: 0 }),
      }),
    );
    const v = new OpenAI({ baseURL: await vision.listen(0), apiKey: 'x', maxRetries: 0 });
    try {
      const r = await v.chat.completions.create({ model: 'qwen2-vl-2b', messages });
      expect(r.choices[0]?.message.content).toBeTruthy();
    } finally {
      await vision.close();
    }
  });

  it('answers 429 with Retry-After when slots and queue are full', async () => {
    const stalled = agent({
      id: 'busy-1',
      slots: 1,
      maxQueue: 0,
      engine: new FailureInjectingEngine(new SimEngine({ ttftMs: 0 }), { stallAfterTokens: 0 }),
    });
    const s = new OpenAIHttpServer(stalled);
    const url = await s.listen(0);
    const ac = new AbortController();
    const holding = once(stalled, 'load');
    const hanging = fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'phi-4-mini',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      }),
      signal: ac.signal,
    }).catch(() => 'aborted');
    try {
      // The first request holds the only slot.
      expect(await holding).toEqual([{ busy: 1, queued: 0 }]);
      const res = await fetch(`${url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'phi-4-mini', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('queue_full');
    } finally {
      const freed = stalled.whenIdle();
      ac.abort();
      await hanging;
      // The client leaving aborts the stalled engine and frees the slot.
      await freed;
      await s.close();
    }
    expect(stalled.load).toEqual({ busy: 0, queued: 0 });
  });

  it('is a working upstream for the openai engine (a sidecar in front of the simulator)', async () => {
    const engine = new OpenAIEngine({ baseUrl });
    const direct = new SimEngine({ ttftMs: 0, decodeTokensPerSec: 0, outputTokens: 6, seed: 1 });
    const body = { model: 'phi-4-mini', messages: [{ role: 'user', content: 'via sidecar' }] };
    const signal = new AbortController().signal;
    const text = (events: EngineEvent[]) =>
      events.map((e) => (e.type === 'text' ? e.text : '')).join('');
    const viaHttp: EngineEvent[] = [];
    for await (const ev of engine.chat({
      model: 'phi-4-mini',
      body: { ...body, stream: true },
      signal,
    }))
      viaHttp.push(ev);
    const expected: EngineEvent[] = [];
    for await (const ev of direct.chat({ model: 'phi-4-mini', body, signal })) expected.push(ev);
    expect(text(viaHttp)).toBe(text(expected));
    expect(viaHttp.at(-1)).toEqual(expected.at(-1));
    const emb = await engine.embed({ model: 'nomic-embed-text', body: { input: 'q' }, signal });
    expect(emb.embeddings[0]).toHaveLength(8);
    await engine.close();
  });
});
