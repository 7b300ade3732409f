import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { OpenAiStubServer } from './support/openai-stub-server';
import { startTestGateway } from './support/gateway-harness';

describe('gateway over an HTTP-only agent from config.yaml (openai SDK as the client)', () => {
  const stub = new OpenAiStubServer('stub-a');
  let gateway: Gateway & { logs: string[] };
  let client: OpenAI;

  beforeAll(async () => {
    const url = await stub.start();
    gateway = await startTestGateway(
      { DDS_LLM_DDS_ENABLED: 'false' },
      [
        'agents:',
        '  http:',
        `    - { id: http-a, url: "${url}", models: [stub-model], capabilities: [streaming, functions], slots: 4, api_key: "upstream-secret-key" }`,
        `    - { id: http-emb, url: "${url}", models: [stub-embed], specialization: embedding, slots: 4 }`,
      ].join('\n'),
    );
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await stub.stop();
  });

  it('answers a plain chat completion, echoing x-request-id', async () => {
    const { data, response } = await client.chat.completions
      .create(
        { model: 'stub-model', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-request-id': 'req-plain-1' } },
      )
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-plain-1');
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('stub-model');
    expect(data.choices[0].message.content).toBe('Hello from stub');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    const sent = stub.received.at(-1);
    expect(sent?.headers['authorization']).toBe('Bearer upstream-secret-key');
    expect(sent?.body['stream']).toBe(false);
  });

  it('streams with include_usage: usage null on every chunk, then a usage chunk with no choices', async () => {
    const stream = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Hello from stub');
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('passes tools through and returns the tool call (plain and streamed)', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const plain = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
    });
    expect(stub.received.at(-1)?.body['tools']).toEqual(tools);
    expect(plain.choices[0].finish_reason).toBe('tool_calls');
    expect(plain.choices[0].message.tool_calls).toEqual([
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' },
      },
    ]);

    const stream = client.chat.completions.stream({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'weather?' }],
      tools,
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    expect(call?.type === 'function' && call.function).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Lisbon"}',
    });
  });

  it('serves embeddings as floats and as base64', async () => {
    const floats = await client.embeddings.create({
      model: 'stub-embed',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    expect(floats.data.map((d) => d.embedding)).toEqual([
      [0, 0.5, -0.25],
      [1, 0.5, -0.25],
    ]);
    // The SDK asks for base64 by default and decodes it back to floats.
    const decoded = await client.embeddings.create({ model: 'stub-embed', input: 'a' });
    expect(decoded.data[0].embedding).toEqual([0, 0.5, -0.25]);
    expect(decoded.usage.prompt_tokens).toBe(3);
  });

  it('lists the live models and finds one by id', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual(['stub-embed', 'stub-model']);
    expect((await client.models.retrieve('stub-model')).id).toBe('stub-model');
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('lists the HTTP agents in the fleet API', async () => {
    const res = await fetch(`${gateway.url}/api/v1/agents`);
    const body = (await res.json()) as {
      data: { id: string; transport: string; models: string[] }[];
    };
    expect(body.data.map((a) => [a.id, a.transport])).toEqual(
      expect.arrayContaining([
        ['http-a', 'http'],
        ['http-emb', 'http'],
      ]),
    );
    const one = await fetch(`${gateway.url}/api/v1/agents/http-a`);
    expect(((await one.json()) as { models: string[] }).models).toEqual(['stub-model']);
    expect((await fetch(`${gateway.url}/api/v1/agents/missing`)).status).toBe(404);
  });

  it('maps errors onto the SDK error classes', async () => {
    await expect(
      client.chat.completions.create({
        model: 'unknown-model',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    await expect(
      client.chat.completions.create({ model: 'stub-model', messages: [] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const err = await client.chat.completions
      .create({ model: 'stub-model', messages: [{ role: 'bogus' as 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toMatch(/^messages\[0\]/);

    stub.behaviour.failWith = 500;
    try {
      await expect(
        client.chat.completions.create({
          model: 'stub-model',
          messages: [{ role: 'user', content: 'x' }],
        }),
      ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    } finally {
      stub.behaviour.failWith = undefined;
    }
  });

  it('keeps a conversation per x-session-id and sends its history to the agent', async () => {
    const session = { headers: { 'x-session-id': 'conv-1' } };
    await client.chat.completions.create(
      { model: 'stub-model', messages: [{ role: 'user', content: 'first question' }] },
      session,
    );
    await client.chat.completions.create(
      { model: 'stub-model', messages: [{ role: 'user', content: 'second question' }] },
      session,
    );
    expect(stub.received.at(-1)?.body['messages']).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'Hello from stub' },
      { role: 'user', content: 'second question' },
    ]);
    // Without the header a request stands alone.
    await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'alone' }],
    });
    expect(stub.received.at(-1)?.body['messages']).toEqual([{ role: 'user', content: 'alone' }]);
    // A session id the store refuses is the client's error, not the agent's.
    await expect(
      client.chat.completions.create(
        { model: 'stub-model', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-session-id': 's'.repeat(5000) } },
      ),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('never logs the upstream API key', () => {
    expect(gateway.logs.join('')).not.toContain('upstream-secret-key');
  });
});
