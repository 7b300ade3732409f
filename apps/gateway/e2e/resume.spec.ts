import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { GatewayProcess } from './support/gateway-process';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';
import { WsTestClient, type ServerFrame } from './support/ws-client';

/** Domain 160 (this suite's own, from the resume range 160-169). */
const DOMAIN = '160';
const TOKENS = 100;

/**
 * Agents that stream 100 tokens at 50 tokens/s (2 s), all with the same seed (one per process),
 * with liveliness lease `leaseS`.
 */
function agentArgs(leaseS: number): string[] {
  return [
    '--dds-domain',
    DOMAIN,
    '--no-http',
    '--timeout',
    String(leaseS),
    '--heartbeat-interval',
    '0.25',
    '--count',
    '1',
    '--ttft-ms',
    '0',
    '--decode-tps',
    '50',
    '--output-tokens',
    String(TOKENS),
  ];
}

interface Listing {
  id: string;
  in_flight: number;
  slots_busy: number;
}

type Chunk = ChatCompletionChunk & { x_dds_llm?: { resumed: number } };

function contentOf(chunks: Chunk[]): string[] {
  return chunks.map((c) => c.choices[0]?.delta?.content ?? '').filter((t) => t !== '');
}

/**
 * One gateway with its agents, as each describe block below uses it: agents and gateway share
 * the liveliness lease `leaseS` (a SIGKILLed agent is seen gone after it); the gateway counts an
 * agent as stalled after `stallS` without a delta.
 */
class Rig {
  gateway!: Gateway;
  client!: OpenAI;
  readonly sims: SimulatorProcess[] = [];

  constructor(
    readonly leaseS: number,
    readonly stallS: number,
  ) {}

  async start(env: Record<string, string> = {}): Promise<void> {
    this.gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
      DDS_LLM_AGENTS_TIMEOUT: String(this.leaseS),
      DDS_LLM_SCHEDULER_INTER_TOKEN_TIMEOUT: String(this.stallS),
      ...env,
    });
    this.client = new OpenAI({ baseURL: `${this.gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
  }

  async sim(prefix: string, model: string, extra: string[] = []): Promise<SimulatorProcess> {
    const s = await SimulatorProcess.start([
      ...agentArgs(this.leaseS),
      '--id-prefix',
      prefix,
      '--model',
      model,
      ...extra,
    ]);
    this.sims.push(s);
    return s;
  }

  async agents(): Promise<Listing[]> {
    const res = await fetch(`${this.gateway.url}/api/v1/agents`);
    return ((await res.json()) as { data: Listing[] }).data;
  }

  async fleetOf(n: number): Promise<void> {
    await waitFor(`${n} agents`, async () => (await this.agents()).length === n);
  }

  /** The simulator whose agent runs the (only) request in flight. */
  async serving(): Promise<SimulatorProcess> {
    let sim: SimulatorProcess | undefined;
    await waitFor('an agent to serve the request', async () => {
      const busy = (await this.agents()).filter((a) => a.in_flight === 1);
      sim = this.sims.find((s) => busy.some((a) => a.id === s.agents[0]?.id));
      return sim !== undefined;
    });
    return sim as SimulatorProcess;
  }

  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.gateway.url}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** An uninterrupted streamed answer (the reference text for `prompt`). */
  async reference(model: string, prompt: string): Promise<string> {
    const stream = await this.client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: prompt }],
      stream: true,
    });
    const chunks: Chunk[] = [];
    for await (const c of stream) chunks.push(c);
    return contentOf(chunks).join('');
  }

  /**
   * Streams `prompt`, calling `at[n]` once the n-th content delta arrived; resolves with every
   * chunk, or rejects with the stream's error.
   */
  async stream(
    model: string,
    prompt: string,
    at: Record<number, () => Promise<void>>,
  ): Promise<Chunk[]> {
    const stream = await this.client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: Chunk[] = [];
    let deltas = 0;
    for await (const c of stream) {
      chunks.push(c);
      if (c.choices[0]?.delta?.content) await at[++deltas]?.();
    }
    return chunks;
  }

  async stopAgents(): Promise<void> {
    await Promise.all(
      this.sims.splice(0).map(async (s) => {
        if (!s.exited) s.child.kill('SIGCONT');
        await s.stop();
      }),
    );
    await waitFor('the fleet to empty', async () => (await this.agents()).length === 0);
  }
}

describe('resume: an answer survives the death of its agent (real simulators, openai SDK)', () => {
  // Deaths are seen through the lease (1 s); the inter-token deadline is longer, so it is not
  // what detects them here.
  const rig = new Rig(1, 5);

  beforeAll(() => rig.start());
  afterEach(() => rig.stopAgents());
  afterAll(() => rig.gateway?.close());

  it('SIGKILL after 10 of 100 tokens: all 100 tokens in one stream, the uninterrupted text, one resume', async () => {
    await rig.sim('rk-a-', 'r1');
    await rig.sim('rk-b-', 'r1');
    await rig.fleetOf(2);
    const prompt = 'a story that must survive';
    const reference = await rig.reference('r1', prompt);
    expect(reference.split(' ')).toHaveLength(TOKENS);
    const before = await rig.metric('gateway_stream_resumes_total{reason="lost"}');

    let victim: SimulatorProcess | undefined;
    const chunks = await rig.stream('r1', prompt, {
      10: async () => {
        victim = await rig.serving();
        await victim.kill();
      },
    });

    expect(victim?.exited).toBe(true);
    const pieces = contentOf(chunks);
    expect(pieces).toHaveLength(TOKENS);
    expect(pieces.join('')).toBe(reference);
    // One stream: one id, one role chunk, one finish, the resume said on the finish chunk.
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.filter((c) => c.choices[0]?.delta?.role === 'assistant')).toHaveLength(1);
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]?.choices[0]?.finish_reason).toBe('stop');
    expect(finishes[0]?.x_dds_llm).toEqual({ resumed: 1 });
    // Usage: the client's prompt once, every token generated once.
    const usage = chunks.at(-1)?.usage;
    expect(usage?.completion_tokens).toBe(TOKENS);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? NaN) + TOKENS);
    expect((await rig.metric('gateway_stream_resumes_total{reason="lost"}')) - before).toBe(1);
    expect(await rig.metric('gateway_stream_resume_refill_tokens_total')).toBeGreaterThanOrEqual(
      10,
    );
  });

  it('two deaths in one stream with max_resumes 2: still complete, resumed twice', async () => {
    await rig.sim('r2x-a-', 'r3');
    await rig.sim('r2x-b-', 'r3');
    await rig.sim('r2x-c-', 'r3');
    await rig.fleetOf(3);
    const prompt = 'a story with two interruptions';
    const reference = await rig.reference('r3', prompt);
    const kill = async () => (await rig.serving()).kill();
    const chunks = await rig.stream('r3', prompt, { 10: kill, 40: kill });
    const pieces = contentOf(chunks);
    expect(pieces).toHaveLength(TOKENS);
    expect(pieces.join('')).toBe(reference);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.x_dds_llm).toEqual({ resumed: 2 });
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(TOKENS);
  });

  it('no other agent can continue: the explicit error event, as without resume', async () => {
    await rig.sim('r1x-', 'r4');
    await rig.fleetOf(1);
    const before = await rig.metric('gateway_stream_resume_failures_total{reason="no_agent"}');
    const err = await rig
      .stream('r4', 'a story nobody can finish', {
        10: async () => (await rig.serving()).kill(),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/no other agent for 'r4' can continue/);
    expect(
      (await rig.metric('gateway_stream_resume_failures_total{reason="no_agent"}')) - before,
    ).toBe(1);
  });

  it('a non-streamed answer resumes too: the whole text, and the x-dds-llm-resumed header', async () => {
    await rig.sim('rn-a-', 'r5');
    await rig.sim('rn-b-', 'r5');
    await rig.fleetOf(2);
    const prompt = 'a story told in one piece';
    const reference = await rig.reference('r5', prompt);
    const received = () =>
      rig.metric('gateway_dds_samples_total{direction="in",topic="agent/response"}');
    const base = await received();
    const pending = rig.client.chat.completions
      .create({ model: 'r5', messages: [{ role: 'user', content: prompt }] })
      .withResponse();
    // The client sees nothing until the end; the gateway has the deltas.
    await waitFor('10 deltas at the gateway', async () => (await received()) - base >= 10);
    await (await rig.serving()).kill();
    const { data, response } = await pending;
    expect(data.choices[0]?.message.content).toBe(reference);
    expect(data.usage?.completion_tokens).toBe(TOKENS);
    expect(response.headers.get('x-dds-llm-resumed')).toBe('1');
  });

  it('a non-streamed answer with no other agent to move to travels as one final sample', async () => {
    // Streaming from the agent is only worth its sample per token when an answer could move.
    await rig.sim('r1-a-', 'r7');
    await rig.fleetOf(1);
    const received = () =>
      rig.metric('gateway_dds_samples_total{direction="in",topic="agent/response"}');
    const base = await received();
    const data = await rig.client.chat.completions.create({
      model: 'r7',
      messages: [{ role: 'user', content: 'a story for one agent' }],
    });
    expect(data.usage?.completion_tokens).toBe(TOKENS);
    expect((await received()) - base).toBeLessThan(TOKENS / 10);
  });

  it('the WebSocket API resumes through the same path', async () => {
    await rig.sim('rw-a-', 'r6');
    await rig.sim('rw-b-', 'r6');
    await rig.fleetOf(2);
    const prompt = 'a story over a socket';
    const reference = await rig.reference('r6', prompt);
    const ws = await WsTestClient.connect(`${rig.gateway.url.replace('http', 'ws')}/api/v1/ws`);
    try {
      ws.send({
        type: 'chat.completions.create',
        id: 'w1',
        body: { model: 'r6', messages: [{ role: 'user', content: prompt }] },
      });
      const deltas = (f: ServerFrame) =>
        f.id === 'w1' && f.type === 'chunk' && !!(f['data'] as Chunk).choices[0]?.delta?.content;
      await waitFor('10 deltas over the socket', () => ws.of('w1').filter(deltas).length >= 10);
      await (await rig.serving()).kill();
      await ws.next((f) => f.id === 'w1' && f.type === 'done', 20_000);
      const chunks = ws
        .of('w1')
        .filter((f) => f.type === 'chunk')
        .map((f) => f['data'] as Chunk);
      expect(contentOf(chunks).join('')).toBe(reference);
      expect(chunks.find((c) => c.choices[0]?.finish_reason)?.x_dds_llm).toEqual({ resumed: 1 });
    } finally {
      await ws.close();
    }
  });
});

describe('resume after a stall: inter-token deadline 0.3 s, lease 3 s', () => {
  const rig = new Rig(3, 0.3);

  beforeAll(() => rig.start());
  afterEach(() => rig.stopAgents());
  afterAll(() => rig.gateway?.close());

  it('SIGSTOP (a stall): resumed after the inter-token deadline; once continued, its late deltas are ignored and it is cancelled', async () => {
    await rig.sim('rs-a-', 'r2');
    await rig.sim('rs-b-', 'r2');
    await rig.fleetOf(2);
    const prompt = 'a story told by a sleepy agent';
    const reference = await rig.reference('r2', prompt);
    const stalled = () => rig.metric('gateway_stream_resumes_total{reason="stalled"}');
    const lateBefore = await rig.metric('gateway_dds_late_responses_total');

    let sleeper: SimulatorProcess | undefined;
    let resumedAfterMs = 0;
    const chunks = await rig.stream('r2', prompt, {
      10: async () => {
        sleeper = await rig.serving();
        sleeper.child.kill('SIGSTOP');
        const stoppedAt = performance.now();
        await waitFor('the stall to be resumed elsewhere', async () => (await stalled()) === 1);
        resumedAfterMs = performance.now() - stoppedAt;
        sleeper.child.kill('SIGCONT');
      },
    });

    const pieces = contentOf(chunks);
    expect(pieces).toHaveLength(TOKENS);
    expect(pieces.join('')).toBe(reference);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.x_dds_llm).toEqual({ resumed: 1 });
    // After the deadline, well before the lease would have said the agent is gone.
    expect(resumedAfterMs).toBeGreaterThanOrEqual(rig.stallS * 1000 * 0.9);
    expect(resumedAfterMs).toBeLessThan(rig.leaseS * 1000);
    expect(await rig.metric('gateway_stream_resumes_total{reason="lost"}')).toBe(0);
    // The woken agent sees its request cancelled: its slot frees without finishing the answer
    // (that would take 90 more deltas and a final, all of them late and ignored).
    const sleeperId = sleeper?.agents[0]?.id;
    await waitFor('the woken agent to free its slot', async () => {
      const me = (await rig.agents()).find((a) => a.id === sleeperId);
      return me !== undefined && me.slots_busy === 0;
    });
    const late = (await rig.metric('gateway_dds_late_responses_total')) - lateBefore;
    expect(late).toBeLessThan(TOKENS - 10);
  });
});

describe('resume budget: scheduler.max_resumes 1', () => {
  const rig = new Rig(1, 5);

  beforeAll(() => rig.start({ DDS_LLM_SCHEDULER_MAX_RESUMES: '1' }));
  afterEach(() => rig.stopAgents());
  afterAll(() => rig.gateway?.close());

  it('a second death in the same stream ends it with the explicit error', async () => {
    await rig.sim('rb-a-', 'r7');
    await rig.sim('rb-b-', 'r7');
    await rig.sim('rb-c-', 'r7');
    await rig.fleetOf(3);
    const kill = async () => (await rig.serving()).kill();
    const err = await rig.stream('r7', 'a story over budget', { 10: kill, 40: kill }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/scheduler\.max_resumes/);
    expect(await rig.metric('gateway_stream_resume_failures_total{reason="budget"}')).toBe(1);
    expect(await rig.metric('gateway_stream_resumes_total')).toBe(1);
  });
});

describe('gateway death mid-stream', () => {
  const rig = new Rig(1, 5);

  beforeAll(() => rig.start());
  afterEach(() => rig.stopAgents());
  afterAll(() => rig.gateway?.close());

  it('the agent notices the SIGKILLed gateway and frees its slot within its lease', async () => {
    // A long answer (400 tokens at 20/s = 20 s) from an agent both gateways see.
    await rig.sim('rg-', 'r8', ['--decode-tps', '20', '--output-tokens', '400']);
    await rig.fleetOf(1);
    const doomed = await GatewayProcess.start(['--port', '0', '--dds-domain', DOMAIN], {
      DDS_LLM_SERVER_HOST: '127.0.0.1',
      DDS_LLM_AGENTS_TIMEOUT: String(rig.leaseS),
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
    });
    const client = new OpenAI({ baseURL: `${doomed.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const agentId = rig.sims[0]?.agents[0]?.id;
    const slots = async () => (await rig.agents()).find((a) => a.id === agentId)?.slots_busy;
    const stream = await client.chat.completions.create({
      model: 'r8',
      messages: [{ role: 'user', content: 'talk until the gateway dies' }],
      stream: true,
    });
    let pieces = 0;
    let killedAt = 0;
    const ended = (async () => {
      for await (const c of stream) {
        if (c.choices[0]?.delta?.content && ++pieces === 3) {
          // This (other) gateway watches the agent's own report of its slots.
          await waitFor('the agent to report its slot busy', async () => (await slots()) === 1);
          killedAt = performance.now();
          doomed.child.kill('SIGKILL');
        }
      }
    })().catch((e: unknown) => e);
    // The stream broke off (the SDK's error comes from another realm: no instanceof here).
    expect(await ended).toBeDefined();
    expect(pieces).toBeLessThan(400);
    await waitFor('the agent to free its slot', async () => (await slots()) === 0, 10_000);
    const freedAfterMs = performance.now() - killedAt;
    // The gateway's request writer lease (agents.timeout) expired; the status travels after.
    expect(freedAfterMs).toBeLessThan(rig.leaseS * 1000 + 1000);
  });
});
