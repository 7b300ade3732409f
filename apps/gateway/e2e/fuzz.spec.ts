import fc from 'fast-check';
import OpenAI from 'openai';
import { GatewayProcess } from './support/gateway-process';
import { INSPECTED, MemoryProbe, type MemoryAfterGc } from './support/memory-probe';
import { httpRequest, isOpenAIErrorBody, rawRequest } from './support/raw-http';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';

/** This file's DDS domain (hardening range 150-159). */
const DOMAIN = '151';
const MODEL = 'fz-model';
const FAST = ['--ttft-ms', '0', '--prefill-tps', '0', '--decode-tps', '0', '--output-tokens', '3'];
/** Growth of the gateway's RSS after a forced GC the whole suite may cause, MiB. */
const RSS_GROWTH_BOUND_MIB = 48;
/** Growth of its V8 heap after a forced GC, MiB. */
const HEAP_GROWTH_BOUND_MIB = 8;
/** 5xx statuses the gateway defines for a healthy fleet under load: none. */
const DEFINED_5XX: readonly number[] = [];

const FIELDS = [
  'model',
  'messages',
  'temperature',
  'top_p',
  'n',
  'stream',
  'stream_options',
  'stop',
  'max_tokens',
  'max_completion_tokens',
  'tools',
  'tool_choice',
  'response_format',
  'logit_bias',
  'logprobs',
  'user',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'parallel_tool_calls',
] as const;

function validChat(): Record<string, unknown> {
  return { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 };
}

/** `{"a":[{"a":...}]}` nested `levels` deep, as JSON text. */
function nested(levels: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < levels - 1; i++) {
    open += i % 2 ? '[' : '{"a":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}0${close}`;
}

/** A chat body that is a valid one with some fields replaced, removed or added. */
const mutatedChat = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 5 })), {
      maxLength: 3,
    }),
    fc.subarray([...FIELDS]),
  )
  .map(([set, drop]) => {
    const body = validChat();
    for (const f of drop.slice(0, 2)) delete body[f];
    for (const [f, v] of set) body[f] = v;
    return JSON.stringify(body);
  });

/** Bodies a client may send: mutated chats, any JSON, text that is not JSON, deep nesting. */
const bodies = fc.oneof(
  { weight: 6, arbitrary: mutatedChat },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  // Model names nobody serves: each must not become a metric series of its own.
  {
    weight: 1,
    arbitrary: fc
      .string({ minLength: 1, maxLength: 100 })
      // Long, as an attacker sends them: ~150 of them held ~15 MiB of heap as label values.
      .map((model) => JSON.stringify({ ...validChat(), model: model.padEnd(50_000, '~') })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIELDS), fc.integer({ min: 65, max: 20_000 }))
      .map(([field, depth]) =>
        JSON.stringify({ ...validChat(), [field]: '$DEEP' }).replace('"$DEEP"', nested(depth)),
      ),
  },
);

describe('fuzzing the gateway: only defined answers, OpenAI error bodies, bounded memory', () => {
  let sim: SimulatorProcess;
  let gateway: GatewayProcess;
  let probe: MemoryProbe;
  let client: OpenAI;
  let baseline: MemoryAfterGc;
  const statuses = new Map<number, number>();

  async function normalChatAnswers(): Promise<void> {
    const done = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(done.choices[0].finish_reason).toBe('stop');
    expect(done.usage?.completion_tokens).toBe(3);
  }

  /** Checks one HTTP answer: a defined status, and an OpenAI error body unless it succeeded. */
  function checkAnswer(status: number, contentType: string, text: string): void {
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status >= 500) expect(DEFINED_5XX).toContain(status);
    if (status >= 200 && status < 300) {
      if (contentType.startsWith('text/event-stream')) {
        // A stream ends with [DONE], or with an error event that is an OpenAI error.
        const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
        const last = events.at(-1)?.slice('data: '.length);
        expect(last === '[DONE]' || isOpenAIErrorBody(last ?? '')).toBe(true);
      } else {
        expect(() => JSON.parse(text) as unknown).not.toThrow();
      }
      return;
    }
    expect(isOpenAIErrorBody(text)).toBe(true);
  }

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
      'fz-',
      '--count',
      '2',
      '--model',
      MODEL,
      ...FAST,
    ]);
    gateway = await GatewayProcess.start(
      [],
      {
        PORT: '0',
        DDS_LLM_SERVER_HOST: '127.0.0.1',
        DDS_LLM_DDS_DOMAIN: DOMAIN,
        DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
        DDS_LLM_AGENTS_TIMEOUT: '2',
        DDS_LLM_SERVER_RECEIVE_TIMEOUT: '1',
        DDS_LLM_SCHEDULER_MAX_QUEUE_SIZE: '1000',
      },
      30_000,
      INSPECTED,
    );
    probe = await MemoryProbe.attach(gateway);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
    await waitFor(
      'both agents',
      async () => {
        const res = await fetch(`${gateway.url}/api/v1/agents`);
        return ((await res.json()) as { data: unknown[] }).data.length === 2;
      },
      20_000,
    );
    // Warm the request path so the baseline holds what a serving gateway holds anyway.
    for (let i = 0; i < 50; i++) await normalChatAnswers();
    baseline = await probe.afterGc();
  }, 60_000);

  afterAll(async () => {
    await probe?.close();
    await gateway?.stop();
    await sim?.stop();
  });

  it('chat bodies from fast-check: defined statuses, OpenAI errors, streams that end', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.boolean(), async (body, apiPrefix) => {
        const res = await fetch(`${gateway.url}/${apiPrefix ? 'api/' : ''}v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        checkAnswer(res.status, res.headers.get('content-type') ?? '', await res.text());
      }),
      { numRuns: 1_500 },
    );
    // The property reached the agents and the validator alike.
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    await normalChatAnswers();
  });

  it('raw bytes on the socket: an OpenAI error or a closed connection, never a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
            // Request-shaped garbage: a real method and path with broken bytes behind it.
            fc
              .tuple(
                fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
                fc.uint8Array({ maxLength: 100 }),
              )
              .map(([m, b]) =>
                Buffer.concat([
                  Buffer.from(`${m} /v1/chat/completions HTTP/1.1\r\nHost: x\r\n`),
                  Buffer.from(b),
                  Buffer.from('\r\n\r\n'),
                ]),
              ),
          ),
          { minLength: 20, maxLength: 20 },
        ),
        async (payloads) => {
          const answers = await Promise.all(
            payloads.map((p) =>
              rawRequest(gateway.url, [p], { timeoutMs: 5_000, closeWithinMs: 50 }),
            ),
          );
          for (const a of answers) {
            if (a.status === 0) {
              expect(a.closedByServer).toBe(true);
              continue;
            }
            if (a.status >= 400) {
              statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
              if (a.status >= 500) expect(DEFINED_5XX).toContain(a.status);
              expect(isOpenAIErrorBody(a.body)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('huge headers, invalid UTF-8 and slow bodies: OpenAI errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 17 * 1024, max: 256 * 1024 }), async (size) => {
        const res = await rawRequest(gateway.url, [
          httpRequest('GET', '/v1/models', '', { 'x-big': 'h'.repeat(size) }),
        ]);
        expect(res.status).toBe(431);
        expect(isOpenAIErrorBody(res.body)).toBe(true);
      }),
      { numRuns: 20 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        const text = Buffer.concat([
          Buffer.from(`{"model":"${MODEL}","messages":[{"role":"user","content":"`),
          Buffer.from([0xff, 0xfe, ...bytes.map((b) => b | 0x80)]),
          Buffer.from('"}],"max_tokens":4}'),
        ]);
        const res = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: text,
        });
        checkAnswer(res.status, res.headers.get('content-type') ?? '', await res.text());
      }),
      { numRuns: 100 },
    );
    const slow = await Promise.all(
      Array.from({ length: 10 }, () =>
        rawRequest(gateway.url, [
          'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model":',
        ]),
      ),
    );
    for (const res of slow) {
      expect(res.status).toBe(408);
      expect(isOpenAIErrorBody(res.body)).toBe(true);
    }
  });

  it('after all of it a normal chat answers, and RSS after a forced GC is within a fixed bound', async () => {
    await normalChatAnswers();
    const after = await probe.afterGc();
    const seen = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    process.stdout.write(
      `[fuzz] rss before=${baseline.rssMiB} MiB after=${after.rssMiB} MiB · heap before=${baseline.heapUsedMiB} MiB after=${after.heapUsedMiB} MiB · statuses ${seen.join(' ')}\n`,
    );
    expect(after.rssMiB - baseline.rssMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    expect(after.heapUsedMiB - baseline.heapUsedMiB).toBeLessThan(HEAP_GROWTH_BOUND_MIB);
  });
});
