import { ManualClock } from '@dds/common';
import type { EngineEvent } from './engine';
import { EngineError } from './engine';
import { embedText, PREFIX_BLOCK_TOKENS, SimEngine } from './sim.engine';

const signal = new AbortController().signal;

async function collect(it: AsyncIterable<EngineEvent>): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

function chat(content: string, extra: Record<string, unknown> = {}) {
  return { model: 'm', body: { messages: [{ role: 'user', content }], ...extra }, signal };
}

function text(events: EngineEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

describe('SimEngine', () => {
  it('is deterministic for the same prompt and seed, and differs across prompts and seeds', async () => {
    const a = text(
      await collect(
        new SimEngine({ seed: 7, ttftMs: 0, decodeTokensPerSec: 0 }).chat(chat('hello')),
      ),
    );
    const b = text(
      await collect(
        new SimEngine({ seed: 7, ttftMs: 0, decodeTokensPerSec: 0 }).chat(chat('hello')),
      ),
    );
    const c = text(
      await collect(
        new SimEngine({ seed: 8, ttftMs: 0, decodeTokensPerSec: 0 }).chat(chat('hello')),
      ),
    );
    const d = text(
      await collect(
        new SimEngine({ seed: 7, ttftMs: 0, decodeTokensPerSec: 0 }).chat(chat('hullo')),
      ),
    );
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).not.toBe(d);
    expect(a.split(' ')).toHaveLength(32);
  });

  it('honours max_tokens with finish_reason length and reports usage', async () => {
    const events = await collect(
      new SimEngine({ ttftMs: 0, decodeTokensPerSec: 0, outputTokens: 10 }).chat(
        chat('x'.repeat(40), { max_tokens: 3 }),
      ),
    );
    const final = events.at(-1);
    expect(events.filter((e) => e.type === 'text')).toHaveLength(3);
    expect(final).toEqual({
      type: 'final',
      finishReason: 'length',
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
    });
  });

  it('models TTFT, prefill and decode time on the injected clock', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const engine = new SimEngine({
      clock,
      ttftMs: 100,
      prefillTokensPerSec: 1000,
      decodeTokensPerSec: 10,
      outputTokens: 5,
      prefixCacheBlocks: 0,
    });
    const stamps: number[] = [];
    // "user: " + 394 chars + "\n" = 401 chars -> 101 tokens -> 101 ms of prefill.
    for await (const ev of engine.chat(chat('y'.repeat(394)))) {
      if (ev.type === 'text') stamps.push(clock.now());
    }
    expect(stamps[0]).toBeCloseTo(201, 6);
    expect(stamps.slice(1).map((t, i) => t - (stamps[i] as number))).toEqual([100, 100, 100, 100]);
  });

  it('skips prefill of a cached prompt prefix', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const engine = new SimEngine({
      clock,
      ttftMs: 0,
      prefillTokensPerSec: 100,
      decodeTokensPerSec: 0,
      outputTokens: 1,
    });
    const shared = 'z'.repeat(PREFIX_BLOCK_TOKENS * 4 * 10); // 10 blocks
    const ttft = async (content: string) => {
      const t0 = clock.now();
      const events = await collect(engine.chat(chat(content)));
      const final = events.at(-1) as Extract<EngineEvent, { type: 'final' }>;
      return {
        ms: clock.now() - t0,
        cached: final.usage.prompt_tokens_details?.cached_tokens ?? 0,
      };
    };
    const cold = await ttft(`${shared} first question`);
    const warm = await ttft(`${shared} second question, longer`);
    expect(cold.cached).toBe(0);
    expect(warm.cached).toBeGreaterThanOrEqual(PREFIX_BLOCK_TOKENS * 9);
    expect(warm.ms).toBeLessThan(cold.ms / 4);
    // A different prefix gets no benefit.
    expect((await ttft(`other ${shared}`)).cached).toBe(0);
  });

  it('scales all durations by slowFactor', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const run = async (slowFactor: number) => {
      const t0 = clock.now();
      await collect(
        new SimEngine({
          clock,
          slowFactor,
          ttftMs: 10,
          decodeTokensPerSec: 100,
          outputTokens: 4,
          prefixCacheBlocks: 0,
        }).chat(chat('q')),
      );
      return clock.now() - t0;
    };
    const normal = await run(1);
    expect(await run(3)).toBeCloseTo(normal * 3, 6);
  });

  it('stops at once when the signal aborts', async () => {
    const ac = new AbortController();
    const engine = new SimEngine({
      clock: new ManualClock(0, { autoAdvance: true }),
      ttftMs: 0,
      decodeTokensPerSec: 10,
      outputTokens: 100,
    });
    const seen: EngineEvent[] = [];
    await expect(
      (async () => {
        for await (const ev of engine.chat({ ...chat('q'), signal: ac.signal })) {
          seen.push(ev);
          if (seen.length === 3) ac.abort(new Error('cancelled'));
        }
      })(),
    ).rejects.toThrow('cancelled');
    expect(seen).toHaveLength(3);
  });

  it('refuses images unless it is a vision model, and counts them as prompt tokens', async () => {
    const body = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    };
    const fast = { ttftMs: 0, decodeTokensPerSec: 0, outputTokens: 2 };
    await expect(collect(new SimEngine(fast).chat({ model: 'm', body, signal }))).rejects.toThrow(
      EngineError,
    );
    const events = await collect(
      new SimEngine({ ...fast, vision: true, imageTokens: 100 }).chat({ model: 'm', body, signal }),
    );
    const final = events.at(-1) as Extract<EngineEvent, { type: 'final' }>;
    expect(final.usage.prompt_tokens).toBeGreaterThanOrEqual(100);
  });

  it('calls a tool when tools are given and the prompt names one', async () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
        },
      },
    ];
    const engine = new SimEngine({ ttftMs: 0, decodeTokensPerSec: 0 });
    const events = await collect(engine.chat(chat('please get_weather for Lisbon', { tools })));
    const calls = events.filter((e) => e.type === 'tool-call');
    expect(calls[0]).toMatchObject({
      delta: { index: 0, type: 'function', function: { name: 'get_weather' } },
    });
    const args = calls
      .map((e) => (e.type === 'tool-call' ? (e.delta.function?.arguments ?? '') : ''))
      .join('');
    expect(JSON.parse(args)).toEqual({ city: 'please get_weather for Lisbon' });
    expect(events.at(-1)).toMatchObject({ type: 'final', finishReason: 'tool_calls' });
    // No mention and no tool_choice: plain text.
    const plain = await collect(engine.chat(chat('hello there', { tools })));
    expect(plain.some((e) => e.type === 'tool-call')).toBe(false);
    // tool_choice required forces a call.
    const forced = await collect(
      engine.chat(chat('hello there', { tools, tool_choice: 'required' })),
    );
    expect(forced.some((e) => e.type === 'tool-call')).toBe(true);
  });

  it('answers a tool result in text (the loop ends), unless a call is forced', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather' } }];
    const engine = new SimEngine({ ttftMs: 0, decodeTokensPerSec: 0 });
    const messages = [
      { role: 'user', content: 'please get_weather for Lisbon' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ];
    const job = (extra: Record<string, unknown>) => ({
      model: 'm',
      body: { messages, tools, ...extra },
      signal,
    });
    const answered = await collect(engine.chat(job({})));
    expect(answered.some((e) => e.type === 'tool-call')).toBe(false);
    expect(text(answered).length).toBeGreaterThan(0);
    expect(answered.at(-1)).toMatchObject({ type: 'final', finishReason: 'stop' });
    const forced = await collect(engine.chat(job({ tool_choice: 'required' })));
    expect(forced.some((e) => e.type === 'tool-call')).toBe(true);
  });

  it('rejects a chat without messages with a typed error', async () => {
    await expect(
      collect(new SimEngine().chat({ model: 'm', body: { messages: [] }, signal })),
    ).rejects.toMatchObject({ code: 'invalid_request', retryable: false });
  });

  it('embeds deterministically into unit vectors of the configured dimension', async () => {
    const engine = new SimEngine({ embeddingDim: 64, prefillTokensPerSec: 0 });
    const r = await engine.embed({
      model: 'e',
      body: { input: ['alpha', 'beta', 'alpha'] },
      signal,
    });
    expect(r.embeddings).toHaveLength(3);
    for (const v of r.embeddings) {
      expect(v).toHaveLength(64);
      expect(Math.hypot(...v)).toBeCloseTo(1, 9);
    }
    expect(r.embeddings[0]).toEqual(r.embeddings[2]);
    expect(r.embeddings[0]).not.toEqual(r.embeddings[1]);
    expect(r.usage.prompt_tokens).toBe(5); // ceil(5/4) + ceil(4/4) + ceil(5/4)
    const dims = await engine.embed({
      model: 'e',
      body: { input: 'alpha', dimensions: 8 },
      signal,
    });
    expect(dims.embeddings[0]).toHaveLength(8);
    expect(embedText('alpha', 8)).toEqual(dims.embeddings[0]);
    await expect(engine.embed({ model: 'e', body: { input: 5 }, signal })).rejects.toThrow(
      EngineError,
    );
  });

  it('refuses a prompt that does not fit its context window, as OpenAI words it', async () => {
    const engine = new SimEngine({ ttftMs: 0, decodeTokensPerSec: 0, maxContextTokens: 20 });
    // "user: " + 60 chars + "\n" = 67 chars -> 17 tokens; with max_tokens 4 it is 21 > 20.
    await expect(
      collect(engine.chat(chat('q'.repeat(60), { max_tokens: 4 }))),
    ).rejects.toMatchObject({
      code: 'context_length_exceeded',
      retryable: false,
      message: expect.stringMatching(
        /maximum context length is 20 tokens\. However, you requested 21 tokens/,
      ),
    });
    expect(
      (await collect(engine.chat(chat('q'.repeat(60), { max_tokens: 3 })))).at(-1),
    ).toMatchObject({ type: 'final' });
  });

  it('rejects invalid options', () => {
    expect(() => new SimEngine({ decodeTokensPerSec: -1 })).toThrow(RangeError);
    expect(() => new SimEngine({ ttftMs: NaN })).toThrow(RangeError);
    expect(() => new SimEngine({ embeddingDim: 0 })).toThrow(RangeError);
    expect(() => new SimEngine({ maxContextTokens: 0 })).toThrow(RangeError);
  });

  describe('continuation', () => {
    const fast = () =>
      new SimEngine({ seed: 3, ttftMs: 0, decodeTokensPerSec: 0, outputTokens: 20 });

    it('continues the same sequence: sent text + continuation == the uninterrupted text, for every cut', async () => {
      const whole = await collect(fast().chat(chat('tell a story')));
      const wholeFinal = whole.at(-1);
      if (wholeFinal?.type !== 'final') throw new Error('no final');
      const pieces = whole
        .filter((e) => e.type === 'text')
        .map((e) => (e.type === 'text' ? e.text : ''));
      expect(pieces).toHaveLength(20);
      for (let n = 0; n <= 20; n++) {
        const sent = pieces.slice(0, n).join('');
        const rest = await collect(
          fast().chat({
            ...chat('tell a story'),
            continueFrom: { text: sent, completion_tokens: n },
          }),
        );
        expect(sent + text(rest)).toBe(text(whole));
        expect(rest.filter((e) => e.type === 'text')).toHaveLength(20 - n);
        // Only the tokens it generated itself are its completion; the prompt is the client's.
        expect(rest.at(-1)).toMatchObject({
          type: 'final',
          finishReason: 'stop',
          usage: {
            prompt_tokens: wholeFinal.usage.prompt_tokens,
            completion_tokens: 20 - n,
          },
        });
      }
    });

    it('pays prefill for the partial answer before its first new token', async () => {
      const clock = new ManualClock(0, { autoAdvance: true });
      const engine = new SimEngine({
        clock,
        ttftMs: 10,
        prefillTokensPerSec: 1000,
        decodeTokensPerSec: 100,
        outputTokens: 10,
        prefixCacheBlocks: 0,
      });
      const stamps: number[] = [];
      const cont = { text: 'x'.repeat(400), completion_tokens: 4 };
      for await (const ev of engine.chat({ ...chat('hi'), continueFrom: cont })) {
        if (ev.type === 'text') stamps.push(clock.now());
      }
      // "user: hi\n" = 3 tokens, the partial answer 100 + its 4 tokens: 107 ms prefill + 10 ms ttft.
      expect(stamps[0]).toBeCloseTo(117, 6);
      expect(stamps).toHaveLength(6);
    });

    it('continues a tool call without repeating its header or the argument fragments already sent', async () => {
      const tools = [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
          },
        },
      ];
      const body = chat('please get_weather for Lisbon', { tools });
      const whole = await collect(fast().chat(body));
      const calls = whole.filter((e) => e.type === 'tool-call');
      const args = (evs: EngineEvent[]) =>
        evs
          .map((e) => (e.type === 'tool-call' ? (e.delta.function?.arguments ?? '') : ''))
          .join('');
      expect(calls.length).toBeGreaterThan(2);
      // Cut after the header and one argument fragment.
      const rest = await collect(
        fast().chat({
          ...body,
          continueFrom: {
            text: '',
            tool_calls: calls
              .slice(0, 2)
              .map((e) => (e.type === 'tool-call' ? e.delta : { index: 0 })),
            completion_tokens: 1,
          },
        }),
      );
      expect(rest.some((e) => e.type === 'tool-call' && e.delta.id !== undefined)).toBe(false);
      expect(args(calls.slice(0, 2)) + args(rest)).toBe(args(whole));
      expect(rest.at(-1)).toMatchObject({ type: 'final', finishReason: 'tool_calls' });
    });
  });
});
