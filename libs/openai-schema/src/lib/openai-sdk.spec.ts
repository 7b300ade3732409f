import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionRequest } from './chat.types';
import type { EmbeddingRequest } from './embedding.types';
import { validateChatCompletionRequest } from './chat.validator';
import { validateEmbeddingRequest } from './embedding.validator';
import { requiresTools, requiresVision } from './request.classifier';
import {
  chatCompletion,
  chatCompletionChunk,
  embeddingResponse,
  modelList,
  modelObject,
  newChatCompletionId,
  usage,
  usageChunk,
} from './response.builders';
import { SSE_DONE_FRAME, sseFrame } from './sse';
import { GatewayTimeoutError, OpenAIRequestError } from './openai.errors';
import { capturingFetch, jsonResponse, sseResponse, type Captured } from './sdk-fetch.fixture';

/**
 * The official `openai` SDK, talking to a fake `fetch` that records what the SDK sends and answers with
 * what our builders produce. Proves the validator against the real client's bodies and the builders
 * against the real client's parsers.
 */
function fakeClient(respond: (req: Captured) => Response): {
  client: OpenAI;
  sent: Captured[];
} {
  const { fetch, sent } = capturingFetch(respond);
  const client = new OpenAI({
    baseURL: 'http://127.0.0.1:9/v1',
    apiKey: 'sk-test',
    fetch,
    maxRetries: 0,
  });
  return { client, sent };
}

const json = jsonResponse;
const sse = sseResponse;

const CREATED = 1_764_000_000;

describe('request bodies sent by the openai SDK', () => {
  const ok = () =>
    json(chatCompletion({ model: 'm', content: 'hi', created: CREATED, usage: usage(1, 1) }));

  it('accepts a plain chat request exactly as sent', async () => {
    const { client, sent } = fakeClient(ok);
    await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'No markdown.' }] },
        { role: 'user', content: 'Hello', name: 'ana' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'Again' },
      ],
      temperature: 0.7,
      top_p: 0.9,
      max_tokens: 64,
      max_completion_tokens: 64,
      stop: ['\n\n', 'END'],
      n: 1,
      seed: 42,
      user: 'u-1',
      presence_penalty: -0.5,
      frequency_penalty: 1.5,
      logit_bias: { '50256': -100 },
      logprobs: true,
      top_logprobs: 3,
      metadata: { tenant: 'a' },
      response_format: { type: 'json_object' },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('http://127.0.0.1:9/v1/chat/completions');
    expect(sent[0].method).toBe('POST');
    const req = validateChatCompletionRequest(sent[0].body);
    expect(req).toBe(sent[0].body);
    expect(req.messages).toHaveLength(5);
    expect(req.logit_bias).toEqual({ '50256': -100 });
  });

  it('accepts a streaming request with stream_options', async () => {
    const { client, sent } = fakeClient(() => sse([SSE_DONE_FRAME]));
    const stream = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'Count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _chunk of stream) {
      // drained: the SDK ends at [DONE]
    }
    const req = validateChatCompletionRequest(sent[0].body);
    expect(req.stream).toBe(true);
    expect(req.stream_options).toEqual({ include_usage: true });
  });

  it('accepts a tools request and a history with tool calls and tool results', async () => {
    const { client, sent } = fakeClient(ok);
    await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [
        { role: 'user', content: 'Weather in Lisbon?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
            strict: true,
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
    const req = validateChatCompletionRequest(sent[0].body);
    expect(requiresTools(req)).toBe(true);
    expect(requiresVision(req)).toBe(false);
  });

  it('accepts an image request', async () => {
    const { client, sent } = fakeClient(ok);
    await client.chat.completions.create({
      model: 'llava',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            {
              type: 'image_url',
              image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
            },
          ],
        },
      ],
    });
    const req = validateChatCompletionRequest(sent[0].body);
    expect(requiresVision(req)).toBe(true);
  });

  it('accepts a json_schema response_format', async () => {
    const { client, sent } = fakeClient(ok);
    await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
    });
    expect(validateChatCompletionRequest(sent[0].body).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
    });
  });

  it('accepts embedding requests: text, texts, tokens, token arrays, dimensions', async () => {
    const answer = (req: Captured) => {
      const body = validateEmbeddingRequest(req.body);
      return json(
        embeddingResponse({
          model: body.model,
          embeddings: [[0.5]],
          encodingFormat: body.encoding_format,
          promptTokens: 1,
        }),
      );
    };
    const { client, sent } = fakeClient(answer);
    await client.embeddings.create({ model: 'e', input: 'hello' });
    await client.embeddings.create({ model: 'e', input: ['a', 'b'], encoding_format: 'float' });
    await client.embeddings.create({ model: 'e', input: [1, 2, 3], dimensions: 8 });
    await client.embeddings.create({ model: 'e', input: [[1], [2, 3]], user: 'u' });
    expect(sent.map((s) => (s.body as { input: unknown }).input)).toEqual([
      'hello',
      ['a', 'b'],
      [1, 2, 3],
      [[1], [2, 3]],
    ]);
    // The SDK asks for base64 unless told otherwise; the validator must accept that default.
    expect((sent[0].body as { encoding_format: string }).encoding_format).toBe('base64');
  });

  it('surfaces a validation failure to the SDK as an OpenAI BadRequestError with param and code', async () => {
    const { client } = fakeClient((req) => {
      try {
        validateChatCompletionRequest(req.body);
        return ok();
      } catch (err) {
        const e = err as OpenAIRequestError;
        return json(e.toBody(), e.status);
      }
    });
    const call = client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      temperature: 3,
    });
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(call).rejects.toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      param: 'temperature',
      code: 'decimal_above_max_value',
    });
  });
});

describe('responses built here, parsed by the openai SDK', () => {
  it('returns a chat completion intact', async () => {
    const built = chatCompletion({
      model: 'phi-4-mini',
      content: 'Hello there',
      usage: usage(5, 2),
      created: CREATED,
      systemFingerprint: 'fp_1',
    });
    const { client } = fakeClient(() => json(built));
    const got = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(got).toEqual(built);
    expect(got.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(got.choices[0].message.content).toBe('Hello there');
    expect(got.usage?.total_tokens).toBe(7);
  });

  it('returns a tool-call completion intact', async () => {
    const built = chatCompletion({
      model: 'm',
      toolCalls: [
        { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
      ],
      created: CREATED,
    });
    const { client } = fakeClient(() => json(built));
    const got = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(got).toEqual(built);
    expect(got.choices[0].finish_reason).toBe('tool_calls');
    expect(got.choices[0].message.content).toBeNull();
  });

  it('streams text chunks, tool-call deltas and the final usage chunk through the SDK stream parser', async () => {
    const id = newChatCompletionId();
    const base = { id, model: 'm', created: CREATED, includeUsage: true };
    const chunks: ChatCompletionChunk[] = [
      chatCompletionChunk({ ...base, delta: { role: 'assistant', content: '' } }),
      chatCompletionChunk({ ...base, delta: { content: 'Hel' } }),
      chatCompletionChunk({ ...base, delta: { content: 'lo\n\nworld' } }),
      chatCompletionChunk({
        ...base,
        delta: {
          tool_calls: [
            { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } },
          ],
        },
      }),
      chatCompletionChunk({
        ...base,
        delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] },
      }),
      chatCompletionChunk({
        ...base,
        delta: { tool_calls: [{ index: 0, function: { arguments: '1}' } }] },
      }),
      chatCompletionChunk({ ...base, delta: {}, finishReason: 'tool_calls' }),
      usageChunk({ id, model: 'm', created: CREATED, usage: usage(3, 4) }),
    ];
    const { client } = fakeClient(() => sse([...chunks.map((c) => sseFrame(c)), SSE_DONE_FRAME]));
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const received: unknown[] = [];
    for await (const chunk of stream) received.push(chunk);
    expect(received).toEqual(chunks);
    const last = received[received.length - 1] as ChatCompletionChunk;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('raises a mid-stream error body in the SDK as an APIError carrying type and code', async () => {
    const base = { id: newChatCompletionId(), model: 'm', created: CREATED };
    const frames = [
      sseFrame(chatCompletionChunk({ ...base, delta: { role: 'assistant', content: 'par' } })),
      sseFrame(new GatewayTimeoutError().toBody()),
    ];
    const { client } = fakeClient(() => sse(frames));
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const received: string[] = [];
    const consume = async () => {
      for await (const chunk of stream) received.push(chunk.choices[0].delta.content ?? '');
    };
    const err: unknown = await consume().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({
      type: 'server_error',
      code: 'timeout',
      message: expect.stringContaining('timed out'),
    });
    expect(received).toEqual(['par']);
  });

  it('reassembles a streamed tool call with the SDK stream helper', async () => {
    const id = newChatCompletionId();
    const base = { id, model: 'm', created: CREATED };
    const frames = [
      chatCompletionChunk({ ...base, delta: { role: 'assistant', content: null } }),
      chatCompletionChunk({
        ...base,
        delta: {
          tool_calls: [
            {
              index: 0,
              id: 'call_9',
              type: 'function',
              function: { name: 'sum', arguments: '{"a"' },
            },
          ],
        },
      }),
      chatCompletionChunk({
        ...base,
        delta: { tool_calls: [{ index: 0, function: { arguments: ':2}' } }] },
      }),
      chatCompletionChunk({ ...base, delta: {}, finishReason: 'tool_calls' }),
    ].map((c) => sseFrame(c));
    const { client } = fakeClient(() => sse([...frames, SSE_DONE_FRAME]));
    const stream = client.chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ type: 'function', function: { name: 'sum', parameters: { type: 'object' } } }],
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].message.tool_calls).toEqual([
      { id: 'call_9', type: 'function', function: { name: 'sum', arguments: '{"a":2}' } },
    ]);
    expect(final.choices[0].finish_reason).toBe('tool_calls');
  });

  it('returns base64 embeddings that the SDK decodes to the same float32 values', async () => {
    const vectors = [
      [0.1, -0.2, 3.5e-8, 1234.5678],
      [0, -0, 1, -1],
    ];
    const { client } = fakeClient((req) => {
      const body = validateEmbeddingRequest(req.body);
      return json(
        embeddingResponse({
          model: body.model,
          embeddings: vectors,
          encodingFormat: body.encoding_format,
          promptTokens: 4,
        }),
      );
    });
    // No encoding_format: the SDK requests base64 and decodes it itself.
    const got = await client.embeddings.create({ model: 'e', input: ['a', 'b'] });
    expect(got.data.map((d) => d.embedding)).toEqual(vectors.map((v) => v.map(Math.fround)));
    expect(got.data.map((d) => d.index)).toEqual([0, 1]);
    expect(got.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
  });

  it('returns float embeddings unchanged', async () => {
    const { client } = fakeClient(() =>
      json(embeddingResponse({ model: 'e', embeddings: [[0.1, 0.2]], promptTokens: 1 })),
    );
    const got = await client.embeddings.create({
      model: 'e',
      input: 'a',
      encoding_format: 'float',
    });
    expect(got.data[0]).toEqual({ object: 'embedding', index: 0, embedding: [0.1, 0.2] });
  });

  it('lists and retrieves models', async () => {
    const models = [
      modelObject('phi-4-mini', 'dds-llm', CREATED),
      modelObject('llava', 'x', CREATED),
    ];
    const { client } = fakeClient((req) =>
      req.url.endsWith('/models') ? json(modelList(models)) : json(models[0]),
    );
    const listed = [];
    for await (const m of client.models.list()) listed.push(m);
    expect(listed).toEqual(models);
    expect(await client.models.retrieve('phi-4-mini')).toEqual(models[0]);
  });
});

describe('types shared with the openai SDK', () => {
  // The assignments are checked by the typecheck target; the expectations check the values.
  it('takes SDK params as our request types', () => {
    const params: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'original' } },
          ],
        },
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'custom', custom: { name: 'g', input: 'x' } }],
        },
      ],
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'auto',
    };
    const req: ChatCompletionRequest = params;
    expect(validateChatCompletionRequest(req)).toBe(params);
    const emb: EmbeddingRequest = {
      model: 'e',
      input: [[1]],
    } satisfies OpenAI.EmbeddingCreateParams;
    expect(validateEmbeddingRequest(emb)).toBe(emb);
  });

  it('gives the SDK our built responses as its own types', () => {
    const completion: OpenAI.Chat.ChatCompletion = chatCompletion({ model: 'm', content: 'x' });
    const chunk: OpenAI.Chat.ChatCompletionChunk = usageChunk({
      id: 'chatcmpl-1',
      model: 'm',
      created: CREATED,
      usage: usage(1, 1),
    });
    const models: OpenAI.Model[] = modelList([modelObject('m')]).data;
    expect([completion.object, chunk.object, models[0].object]).toEqual([
      'chat.completion',
      'chat.completion.chunk',
      'model',
    ]);
  });
});
