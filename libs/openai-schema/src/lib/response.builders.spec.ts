import { decodeEmbeddingBase64 } from './embedding.codec';
import {
  chatCompletion,
  chatCompletionChunk,
  embeddingResponse,
  modelList,
  modelObject,
  newChatCompletionId,
  newToolCallId,
  randomId,
  unixSeconds,
  usage,
  usageChunk,
} from './response.builders';

describe('ids', () => {
  it('issues chatcmpl- ids of 29 base62 characters, all distinct', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newChatCompletionId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
  });

  it('issues call_ ids for tool calls', () => {
    expect(newToolCallId()).toMatch(/^call_[A-Za-z0-9]{24}$/);
  });

  it('draws every base62 character about equally often, across many refills of its pool', () => {
    // 248,000 characters: the 4 KiB pool refills ~60 times; each symbol is expected 4,000 times.
    const counts = new Map<string, number>();
    for (let i = 0; i < 6_200; i++) {
      for (const c of randomId(40)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    for (const [c, n] of counts) expect([c, n > 3_400 && n < 4_600]).toEqual([c, true]);
  });
});

describe('chatCompletion', () => {
  it('builds a text completion with defaults', () => {
    const before = unixSeconds();
    const c = chatCompletion({ model: 'm', content: 'hi' });
    expect(c).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'hi', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
    });
    expect(c.created).toBeGreaterThanOrEqual(before);
    expect('usage' in c).toBe(false);
  });

  it('defaults finish_reason to tool_calls when there are tool calls', () => {
    const call = {
      id: 'call_1',
      type: 'function' as const,
      function: { name: 'f', arguments: '{}' },
    };
    const c = chatCompletion({ model: 'm', toolCalls: [call], usage: usage(2, 3) });
    expect(c.choices[0]).toMatchObject({
      message: { content: null, tool_calls: [call] },
      finish_reason: 'tool_calls',
    });
    expect(c.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it('honours an explicit finish reason, id and created', () => {
    const c = chatCompletion({
      model: 'm',
      content: 'x',
      finishReason: 'length',
      id: 'chatcmpl-a',
      created: 5,
    });
    expect(c).toMatchObject({
      id: 'chatcmpl-a',
      created: 5,
      choices: [{ finish_reason: 'length' }],
    });
  });
});

describe('streaming chunks', () => {
  const base = { id: 'chatcmpl-x', model: 'm', created: 1 };

  it('builds a content chunk without usage unless usage was requested', () => {
    const c = chatCompletionChunk({ ...base, delta: { content: 'a' } });
    expect(c).toEqual({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null, logprobs: null }],
    });
    expect('usage' in c).toBe(false);
    expect(chatCompletionChunk({ ...base, delta: {}, includeUsage: true }).usage).toBeNull();
  });

  it('builds a tool-call delta chunk carrying the call index', () => {
    const c = chatCompletionChunk({
      ...base,
      index: 1,
      delta: { tool_calls: [{ index: 2, function: { arguments: '{"a"' } }] },
    });
    expect(c.choices[0].index).toBe(1);
    expect(c.choices[0].delta.tool_calls?.[0].index).toBe(2);
  });

  it('builds the final usage chunk with no choices', () => {
    expect(usageChunk({ ...base, usage: usage(1, 2) })).toEqual({
      ...base,
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
  });
});

describe('embeddingResponse', () => {
  it('returns float arrays by default, indexed in order', () => {
    const r = embeddingResponse({
      model: 'e',
      embeddings: [[1, 2], new Float32Array([3])],
      promptTokens: 4,
    });
    expect(r).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [1, 2] },
        { object: 'embedding', index: 1, embedding: [3] },
      ],
      model: 'e',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });

  it('returns base64 strings when asked', () => {
    const r = embeddingResponse({
      model: 'e',
      embeddings: [[0.5, 1]],
      encodingFormat: 'base64',
      promptTokens: 1,
    });
    expect(typeof r.data[0].embedding).toBe('string');
    expect(decodeEmbeddingBase64(r.data[0].embedding as string)).toEqual([0.5, 1]);
  });
});

describe('models', () => {
  it('builds model objects and lists', () => {
    expect(modelList([modelObject('a', 'me', 7)])).toEqual({
      object: 'list',
      data: [{ id: 'a', object: 'model', created: 7, owned_by: 'me' }],
    });
    expect(modelObject('b').owned_by).toBe('dds-llm');
  });
});
