import { decodeEmbeddingBase64 } from '@dds/openai-schema';
import { ChunkBuilder, ResponseCollector } from './response-assembler';

const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

describe('ResponseCollector', () => {
  it('joins text and assembles tool calls from fragments into one chat.completion', () => {
    const c = new ResponseCollector();
    c.add({ type: 'text', text: 'Hel' });
    c.add({ type: 'text', text: 'lo' });
    c.add({
      type: 'tool-call',
      delta: {
        index: 0,
        id: 'call_a',
        type: 'function',
        function: { name: 'get', arguments: '{"a"' },
      },
    });
    c.add({ type: 'tool-call', delta: { index: 0, function: { arguments: ':1}' } } });
    c.add({
      type: 'tool-call',
      delta: { index: 1, id: 'call_b', function: { name: 'put', arguments: '{}' } },
    });
    const body = c.chat('m', 'tool_calls', usage, 'chatcmpl-x');
    expect(body).toMatchObject({ id: 'chatcmpl-x', object: 'chat.completion', model: 'm', usage });
    expect(body.choices[0].message.content).toBe('Hello');
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    expect(body.choices[0].message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get', arguments: '{"a":1}' } },
      { id: 'call_b', type: 'function', function: { name: 'put', arguments: '{}' } },
    ]);
  });

  it('forgets a failed attempt on reset, so a retry does not duplicate output', () => {
    const c = new ResponseCollector();
    c.add({ type: 'text', text: 'partial from a dead agent' });
    c.reset();
    c.add({ type: 'text', text: 'whole' });
    expect(c.chat('m', 'stop', usage).choices[0].message.content).toBe('whole');
    expect(c.message()).toEqual({ role: 'assistant', content: 'whole' });
  });

  it('gives null content for a tool-call-only answer, and an empty string for an empty one', () => {
    const calls = new ResponseCollector();
    calls.add({
      type: 'tool-call',
      delta: { index: 0, id: 'c', function: { name: 'f', arguments: '{}' } },
    });
    expect(calls.chat('m', 'tool_calls', usage).choices[0].message.content).toBeNull();
    expect(calls.message().content).toBeNull();
    expect(new ResponseCollector().chat('m', 'stop', usage).choices[0].message.content).toBe('');
  });

  it('builds float and base64 embedding responses in input order', () => {
    const c = new ResponseCollector();
    c.add({
      type: 'embedding',
      embeddings: [
        [1, 2],
        [3, 4],
      ],
    });
    const floats = c.embedding('e', 'float', usage);
    expect(floats.data.map((d) => d.embedding)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(floats.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const b64 = c.embedding('e', 'base64', usage).data[1].embedding as string;
    expect(decodeEmbeddingBase64(b64)).toEqual([3, 4]);
  });
});

describe('ChunkBuilder', () => {
  it('opens with the role, streams deltas, closes with the finish reason and (asked for) usage', () => {
    const b = new ChunkBuilder('m', true);
    const first = b.output({ type: 'text', text: 'Hi' });
    expect(first.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hi' },
    ]);
    const tool = b.output({
      type: 'tool-call',
      delta: { index: 0, id: 'c', function: { name: 'f' } },
    });
    expect(tool).toHaveLength(1);
    expect(tool[0].choices[0].delta.tool_calls).toEqual([
      { index: 0, id: 'c', function: { name: 'f' } },
    ]);
    const last = b.finish('stop', usage);
    expect(last[0].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(last[1]).toMatchObject({ choices: [], usage });
    for (const c of [...first, ...tool, last[0]]) {
      expect(c.usage).toBeNull();
      expect(c.id).toBe(b.id);
    }
  });

  it('without include_usage sends no usage at all, and still opens an empty answer with the role', () => {
    const b = new ChunkBuilder('m', false);
    const chunks = b.finish('length', usage);
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      {},
    ]);
    expect(chunks[1].choices[0].finish_reason).toBe('length');
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('says on the finish chunk (only) that the answer moved between agents', () => {
    const b = new ChunkBuilder('m', true);
    const out = [...b.output({ type: 'text', text: 'Hi' }), ...b.finish('stop', usage, 2)];
    const marked = out.filter((c) => 'x_dds_llm' in c);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({
      choices: [{ finish_reason: 'stop' }],
      x_dds_llm: { resumed: 2 },
    });
    expect(new ChunkBuilder('m', false).finish('stop', usage).some((c) => 'x_dds_llm' in c)).toBe(
      false,
    );
  });
});
