import Anthropic from '@anthropic-ai/sdk';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';

/**
 * Anthropic's Messages API through `@anthropic-ai/sdk` against a real gateway (with API keys on)
 * over real simulator agents on DDS: plain, streamed, a tool round trip, and errors in
 * Anthropic's shape.
 */

const DOMAIN = '141';
const KEY = 'sk-ant-e2e-141';
const TOKENS = 10;

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather of a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

describe('Anthropic Messages API over a DDS fleet', () => {
  let sim: SimulatorProcess | undefined;
  let gateway: Gateway;
  let client: Anthropic;

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
      'm141-',
      '--count',
      '2',
      '--model',
      'phi-4-mini',
      '--ttft-ms',
      '0',
      '--prefill-tps',
      '0',
      '--decode-tps',
      '0',
      '--output-tokens',
      String(TOKENS),
    ]);
    gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
      DDS_LLM_AGENTS_TIMEOUT: '2',
      DDS_LLM_API_KEYS: KEY,
    });
    client = new Anthropic({ baseURL: gateway.url, apiKey: KEY, maxRetries: 0 });
    await waitFor('both agents', async () => {
      const res = await fetch(`${gateway.url}/api/v1/agents`, {
        headers: { authorization: `Bearer ${KEY}` },
      });
      return ((await res.json()) as { data: unknown[] }).data.length === 2;
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await sim?.stop();
  });

  it('messages.create: a message with text, end_turn and usage', async () => {
    const msg = await client.messages.create({
      model: 'phi-4-mini',
      max_tokens: 256,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Olá!' }],
    });
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'phi-4-mini',
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(msg.content).toHaveLength(1);
    expect(msg.content[0].type).toBe('text');
    expect((msg.content[0] as { text: string }).text.split(' ')).toHaveLength(TOKENS);
    expect(msg.usage.output_tokens).toBe(TOKENS);
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
  });

  it('max_tokens below the answer: stop_reason max_tokens', async () => {
    const msg = await client.messages.create({
      model: 'phi-4-mini',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.usage.output_tokens).toBe(3);
  });

  it('messages.stream(): text events, the documented event order, the final message', async () => {
    const stream = client.messages.stream({
      model: 'phi-4-mini',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Conte uma história' }],
    });
    const types: string[] = [];
    let text = '';
    stream.on('streamEvent', (ev) => types.push(ev.type));
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array(TOKENS).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(final.content).toEqual([{ type: 'text', text }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(TOKENS);
    expect(final.usage.input_tokens).toBeGreaterThan(0);
  });

  it('a tool round trip: tool_use -> tool_result -> final text, plain and streamed', async () => {
    const first = await client.messages.create({
      model: 'phi-4-mini',
      max_tokens: 256,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Use get_weather for Lisbon' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    if (use?.type !== 'tool_use') throw new Error(`no tool_use: ${JSON.stringify(first.content)}`);
    expect(use.name).toBe('get_weather');
    expect(use.input).toHaveProperty('city');

    const streamedCall = await client.messages
      .stream({
        model: 'phi-4-mini',
        max_tokens: 256,
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'Use get_weather for Lisbon' }],
      })
      .finalMessage();
    expect(streamedCall.stop_reason).toBe('tool_use');
    expect(streamedCall.content).toEqual([{ ...use, id: expect.any(String) }]);

    const second = await client.messages.create({
      model: 'phi-4-mini',
      max_tokens: 256,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Use get_weather for Lisbon' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: use.id, content: 'clear sky' }],
        },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content.map((b) => b.type)).toEqual(['text']);
  });

  it('takes the key as x-api-key too, and answers a wrong key with a 401 in Anthropic shape', async () => {
    const body = JSON.stringify({
      model: 'phi-4-mini',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
    const ok = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { ...headers, 'x-api-key': KEY },
      body,
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { type: string }).type).toBe('message');

    const bad = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { ...headers, 'x-api-key': 'sk-wrong-key' },
      body,
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: expect.any(String) },
    });
    // x-api-key is an Anthropic convention: other routes still want a bearer key.
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'x-api-key': KEY },
      body: JSON.stringify({ model: 'phi-4-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(chat.status).toBe(401);
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });

  it('malformed bodies: 400 in Anthropic shape, naming the field', async () => {
    const call = client.messages.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'hi' }],
    } as never);
    await expect(call).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(call).rejects.toMatchObject({
      status: 400,
      error: {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
      },
    });
    const server = client.messages.create({
      model: 'phi-4-mini',
      max_tokens: 8,
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      messages: [{ role: 'user', content: 'hi' }],
    } as never);
    await expect(server).rejects.toMatchObject({
      status: 400,
      error: {
        error: {
          type: 'invalid_request_error',
          message: expect.stringMatching(/^tools\.0\.type: /),
        },
      },
    });
    const json = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body: '{"model": ',
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { type: string; error: { type: string } }).error.type).toBe(
      'invalid_request_error',
    );
  });

  it('a tool_use input nested 10,000 deep: 400 naming it, and the next request answers', async () => {
    // Built as text: JSON.stringify itself overflows on such an object.
    const deep = '{"a":'.repeat(10_000) + '{}' + '}'.repeat(10_000);
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body:
        '{"model":"phi-4-mini","max_tokens":8,"messages":[{"role":"user","content":"hi"},' +
        `{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":${deep}}]}]}`,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^messages\.1\.content\.0\.input\.a.*nested too deeply/);
    const next = await client.messages.create({
      model: 'phi-4-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(next.stop_reason).toBe('end_turn');
  });

  it('an unknown model is a 404 not_found_error', async () => {
    const call = client.messages.create({
      model: 'no-such-model',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(call).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(call).rejects.toMatchObject({ error: { error: { type: 'not_found_error' } } });
  });
});
