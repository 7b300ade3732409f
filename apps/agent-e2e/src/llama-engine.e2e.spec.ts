import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import {
  CHAT_CONTEXT,
  EMBEDDING_DIMENSIONS,
  ensureLlamaModels,
  type LlamaModels,
} from '@dds/llama-fixtures';
import {
  agentListing,
  runAgent,
  startAgent,
  startGateway,
  stopAll,
  waitUntil,
  type LoggedProcess,
} from './support/processes';

/** This suite's DDS domain (the llama range is 125-134). */
const DOMAIN = 125;

describe('gateway + dds-llm-agent --engine llama (real llama.cpp, generated GGUF)', () => {
  let models: LlamaModels;
  let gateway: LoggedProcess & { url: string };
  let chatAgent: LoggedProcess;
  let client: OpenAI;

  beforeAll(async () => {
    models = ensureLlamaModels();
    gateway = await startGateway(DOMAIN);
    // One after the other: two model loads at once starve a 2-core machine.
    chatAgent = await startAgent([
      '--engine',
      'llama',
      '--model',
      models.chat,
      '--id',
      'llama-e2e-chat',
      '--slots',
      '2',
      '--threads',
      '1',
      '--dds-domain',
      String(DOMAIN),
      '--heartbeat-interval',
      '0.2',
      '--timeout',
      '3',
    ]);
    await startAgent([
      '--engine',
      'llama',
      '--model',
      models.embedding,
      '--embedding',
      '--id',
      'llama-e2e-embed',
      '--threads',
      '1',
      '--dds-domain',
      String(DOMAIN),
      '--heartbeat-interval',
      '0.2',
      '--timeout',
      '3',
    ]);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    // Registered on the gateway (DDS discovery) before the first request.
    await waitUntil(
      () => agentListing(gateway.url, 'llama-e2e-chat'),
      'the chat agent on the gateway',
    );
    await waitUntil(
      () => agentListing(gateway.url, 'llama-e2e-embed'),
      'the embedding agent on the gateway',
    );
  });

  afterAll(() => stopAll());

  it('registers the model the GGUF names, its real context size and its slots', async () => {
    const a = await agentListing(gateway.url, 'llama-e2e-chat');
    expect(a).toMatchObject({
      models: ['tiny-llama'],
      max_context_tokens: CHAT_CONTEXT,
      slots: 2,
      specialization: 'text',
    });
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(
      expect.arrayContaining(['tiny-llama', 'tiny-embed']),
    );
  });

  it('answers chat JSON with real token counts, deterministically for a seed', async () => {
    const ask = () =>
      client.chat.completions.create({
        model: 'tiny-llama',
        messages: [{ role: 'user', content: 'Name three colours.' }],
        max_tokens: 12,
        seed: 42,
        temperature: 0.8,
      });
    const a = await ask();
    const b = await ask();
    expect(a.choices[0]?.finish_reason).toBe('length');
    expect(a.usage?.completion_tokens).toBe(12);
    expect(a.usage?.prompt_tokens).toBeGreaterThan(5);
    expect(a.usage?.total_tokens).toBe((a.usage?.prompt_tokens ?? 0) + 12);
    expect(a.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(b.choices[0]?.message.content).toBe(a.choices[0]?.message.content);
    const other = await client.chat.completions.create({
      model: 'tiny-llama',
      messages: [{ role: 'user', content: 'Name three colours.' }],
      max_tokens: 12,
      seed: 43,
      temperature: 0.8,
    });
    expect(other.choices[0]?.message.content).not.toBe(a.choices[0]?.message.content);
  });

  it('streams token by token over SSE with include_usage, ending in usage and [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny-llama',
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      max_tokens: 20,
      seed: 1,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let contentChunks = 0;
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta.content) {
        text += c.delta.content;
        contentChunks++;
      }
      if (c?.finish_reason) finish = c.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(20);
    // One chunk per token, except where a token is only part of a character or of a stop.
    expect(contentChunks).toBeGreaterThan(10);
    expect(contentChunks).toBeLessThanOrEqual(20);
    const json = await client.chat.completions.create({
      model: 'tiny-llama',
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      max_tokens: 20,
      seed: 1,
    });
    expect(text).toBe(json.choices[0]?.message.content);
  });

  it('stops at a stop sequence without emitting it', async () => {
    const free = await client.chat.completions.create({
      model: 'tiny-llama',
      messages: [{ role: 'user', content: 'Count.' }],
      max_tokens: 30,
      seed: 5,
    });
    const text = free.choices[0]?.message.content ?? '';
    // A stop taken from the middle of the unconstrained answer.
    const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 3);
    const stopped = await client.chat.completions.create({
      model: 'tiny-llama',
      messages: [{ role: 'user', content: 'Count.' }],
      max_tokens: 30,
      seed: 5,
      stop: [stop],
    });
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
    expect(stopped.choices[0]?.message.content).toBe(text.slice(0, text.indexOf(stop)));
    expect(stopped.usage?.completion_tokens).toBeLessThan(30);
  });

  it('runs two requests at once on two slots', async () => {
    const firstToken: number[] = [];
    const ended: number[] = [];
    const run = async (i: number) => {
      const stream = await client.chat.completions.create({
        model: 'tiny-llama',
        messages: [{ role: 'user', content: `Request number ${i}` }],
        max_tokens: 150,
        seed: i,
        stream: true,
        stream_options: { include_usage: true },
      });
      let tokens = 0;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content && firstToken[i] === undefined)
          firstToken[i] = Date.now();
        if (chunk.usage) tokens = chunk.usage.completion_tokens;
      }
      ended[i] = Date.now();
      return tokens;
    };
    const busy = waitUntil(
      async () =>
        (await agentListing(gateway.url, 'llama-e2e-chat'))?.['slots_busy'] === 2
          ? true
          : undefined,
      'both slots busy',
    );
    const counts = await Promise.all([run(0), run(1)]);
    expect(counts).toEqual([150, 150]);
    // Each stream started before the other ended: they shared the engine, not a queue.
    expect(firstToken[0]).toBeLessThan(ended[1] as number);
    expect(firstToken[1]).toBeLessThan(ended[0] as number);
    await expect(busy).resolves.toBe(true);
  });

  it('stops decoding at the agent when the client aborts', async () => {
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      {
        model: 'tiny-llama',
        messages: [{ role: 'user', content: 'Go on forever.' }],
        max_tokens: 900,
        seed: 9,
        stream: true,
      },
      { signal: ac.signal },
    );
    let received = 0;
    // The SDK ends the iteration quietly once its signal aborts.
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) received++;
      if (received === 5) ac.abort();
    }
    expect(received).toBe(5);
    const rec = await chatAgent.waitForMsg('request cancelled');
    expect(rec['phase']).toBe('decode');
    expect(rec['completionTokens']).toBeGreaterThanOrEqual(5);
    expect(rec['completionTokens']).toBeLessThan(900);
    // The slot is free again for the next request.
    await waitUntil(
      async () =>
        (await agentListing(gateway.url, 'llama-e2e-chat'))?.['slots_busy'] === 0
          ? true
          : undefined,
      'the agent idle',
    );
  });

  it('refuses a prompt longer than the real context with a clear 400', async () => {
    const long = Array.from({ length: 1200 }, (_, i) => `word${i}`).join(' ');
    const err = await client.chat.completions
      .create({ model: 'tiny-llama', messages: [{ role: 'user', content: long }], max_tokens: 4 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.status).toBe(400);
    expect(bad.code).toBe('context_length_exceeded');
    expect(bad.message).toContain(String(CHAT_CONTEXT));
  });

  it('reuses the KV cache of the slot that holds the conversation: cached_tokens > 0', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a terse assistant.' },
      { role: 'user', content: 'What is the capital of France?' },
    ];
    const first = await client.chat.completions.create({
      model: 'tiny-llama',
      messages,
      max_tokens: 8,
      seed: 3,
    });
    messages.push({ role: 'assistant', content: first.choices[0]?.message.content ?? '' });
    messages.push({ role: 'user', content: 'And of Italy?' });
    const second = await client.chat.completions.create({
      model: 'tiny-llama',
      messages,
      max_tokens: 8,
      seed: 3,
    });
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(first.usage?.prompt_tokens ?? Infinity);
    expect(cached).toBeLessThan(second.usage?.prompt_tokens ?? 0);
  });

  it('answers embeddings with the embedding model’s dimension', async () => {
    const r = await client.embeddings.create({
      model: 'tiny-embed',
      input: ['the quick brown fox', 'jumps over the lazy dog'],
    });
    expect(r.data).toHaveLength(2);
    for (const d of r.data) {
      expect(d.embedding).toHaveLength(EMBEDDING_DIMENSIONS);
      expect(d.embedding.every((x) => Number.isFinite(x))).toBe(true);
    }
    expect(r.data[0]?.embedding).not.toEqual(r.data[1]?.embedding);
    expect(r.usage.prompt_tokens).toBeGreaterThan(4);
    const again = await client.embeddings.create({
      model: 'tiny-embed',
      input: 'the quick brown fox',
    });
    expect(again.data[0]?.embedding).toEqual(r.data[0]?.embedding);
  });
});

describe('dds-llm-agent --engine llama refuses a bad model file at start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dds-llm-agent-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 naming a missing GGUF', async () => {
    const missing = join(dir, 'nope.gguf');
    const r = await runAgent([
      '--engine',
      'llama',
      '--model',
      missing,
      '--dds-domain',
      String(DOMAIN + 1),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`model file not found: ${missing}`);
  });

  it('exits 2 for a file that is not a GGUF', async () => {
    const corrupt = join(dir, 'corrupt.gguf');
    writeFileSync(corrupt, Buffer.alloc(4096, 7));
    const r = await runAgent([
      '--engine',
      'llama',
      '--model',
      corrupt,
      '--dds-domain',
      String(DOMAIN + 1),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot load model ${corrupt}`);
  });

  it('exits 2 naming the flag when the model is missing from the command line', async () => {
    const r = await runAgent(['--engine', 'llama', '--dds-domain', String(DOMAIN + 1)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--model');
  });
});
