import { DomainParticipant } from '@dds/transport';
import { FleetClient, FleetView, type AgentStatusInfo, type ResponseEvent } from '@dds/protocol';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { Agent, FailureInjectingEngine, SimEngine, type Engine } from '../src';

/** This file's DDS domain (agent runtime e2e: 42). */
const DOMAIN = 42;

async function collect(it: AsyncIterable<ResponseEvent>): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'phi-4-mini',
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('Agent over DDS (agent and gateway client in one process, two participants)', () => {
  let gw: DomainParticipant;
  let ap: DomainParticipant;
  let client: FleetClient;
  /** What the client announced: the client itself keeps no fleet state. */
  let view: FleetView;
  const agents: Agent[] = [];

  async function startAgent(
    id: string,
    engine: Engine = new SimEngine({ ttftMs: 0, decodeTokensPerSec: 200, outputTokens: 4 }),
    extra: Partial<ConstructorParameters<typeof Agent>[0]> = {},
  ) {
    const agent = new Agent({
      id,
      models: ['phi-4-mini'],
      specialization: 'text',
      slots: 2,
      engine,
      participant: ap,
      heartbeatMs: 200,
      statusMinIntervalMs: 0,
      leaseMs: 2000,
      ...extra,
    });
    agents.push(agent);
    await agent.start();
    await client.ready(id);
    return agent;
  }

  beforeAll(() => {
    gw = new DomainParticipant({ domainId: DOMAIN });
    ap = new DomainParticipant({ domainId: DOMAIN });
    client = new FleetClient({ participant: gw, gatewayId: 'gw-agent-e2e' });
    view = new FleetView(client);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    view.close();
    client.close();
    ap.close();
    gw.close();
  });

  it('registers with its models, specialization and default capabilities', async () => {
    await startAgent('reg-1', undefined, {
      httpEndpoint: 'http://127.0.0.1:1/v1',
      maxContextTokens: 4096,
    });
    expect(view.agent('reg-1')?.info).toMatchObject({
      models: ['phi-4-mini'],
      specialization: 'text',
      // The sim engine continues other agents' answers, so the agent announces it.
      capabilities: ['streaming', 'functions', 'continue'],
      slots: 2,
      maxContextTokens: 4096,
      httpEndpoint: 'http://127.0.0.1:1/v1',
    });
  });

  it('streams sim output that matches the engine run directly', async () => {
    await startAgent('stream-1');
    const events = await collect(
      client.request('stream-1', { kind: 'chat', stream: true, body: chat('hello') }),
    );
    const direct = new SimEngine({ ttftMs: 0, decodeTokensPerSec: 0, outputTokens: 4 });
    let expected = '';
    for await (const ev of direct.chat({
      model: 'phi-4-mini',
      body: chat('hello'),
      signal: new AbortController().signal,
    })) {
      if (ev.type === 'text') expected += ev.text;
    }
    expect(events.filter((e) => e.type === 'text')).toHaveLength(4);
    expect(events.map((e) => (e.type === 'text' ? e.text : '')).join('')).toBe(expected);
    expect(events.at(-1)).toMatchObject({
      type: 'final',
      finishReason: 'stop',
      agentId: 'stream-1',
    });
  });

  it('serves 50 concurrent streams through 4 slots and a queue, each complete and in order', async () => {
    const engine = () => new SimEngine({ ttftMs: 0, decodeTokensPerSec: 1000, outputTokens: 12 });
    await startAgent('many-1', engine(), { slots: 4, maxQueue: 64 });
    const direct = engine();
    const expectedText = async (prompt: string) => {
      let t = '';
      for await (const ev of direct.chat({
        model: 'phi-4-mini',
        body: chat(prompt),
        signal: new AbortController().signal,
      })) {
        if (ev.type === 'text') t += ev.text;
      }
      return t;
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        collect(client.request('many-1', { kind: 'chat', stream: true, body: chat(`p${i}`) })),
      ),
    );
    for (const [i, events] of results.entries()) {
      expect(events.filter((e) => e.type === 'text')).toHaveLength(12);
      expect(events.map((e) => (e.type === 'text' ? e.text : '')).join('')).toBe(
        await expectedText(`p${i}`),
      );
      expect(events.at(-1)).toMatchObject({ type: 'final', usage: { completion_tokens: 12 } });
    }
  });

  it('answers a non-streaming tool call as one merged call', async () => {
    await startAgent('tools-1');
    const tools = [
      {
        type: 'function',
        function: {
          name: 'lookup',
          parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
        },
      },
    ];
    const events = await collect(
      client.request('tools-1', {
        kind: 'chat',
        stream: false,
        body: chat('lookup cats', { tools }),
      }),
    );
    const calls = events.filter((e) => e.type === 'tool-call');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      delta: {
        index: 0,
        type: 'function',
        function: { name: 'lookup', arguments: '{"q":"lookup cats"}' },
      },
    });
    expect(events.at(-1)).toMatchObject({ type: 'final', finishReason: 'tool_calls' });
  });

  it('refuses a model it does not serve, retryable elsewhere', async () => {
    await startAgent('model-1');
    const events = await collect(
      client.request('model-1', {
        kind: 'chat',
        stream: false,
        body: { ...chat('x'), model: 'gpt-9' },
      }),
    );
    expect(events).toEqual([
      expect.objectContaining({
        type: 'error',
        code: 'model_not_found',
        retryable: true,
        outputStarted: false,
      }),
    ]);
  });

  it('passes engine errors through with their code', async () => {
    await startAgent(
      'err-1',
      new FailureInjectingEngine(new SimEngine({ ttftMs: 0 }), { errorRate: 1 }),
    );
    const events = await collect(
      client.request('err-1', { kind: 'chat', stream: true, body: chat('x') }),
    );
    expect(events).toEqual([
      expect.objectContaining({ type: 'error', code: 'injected_failure', retryable: true }),
    ]);
    const bad = await collect(
      client.request('stream-1', {
        kind: 'chat',
        stream: false,
        body: { model: 'phi-4-mini', messages: [] },
      }),
    );
    expect(bad).toEqual([
      expect.objectContaining({ type: 'error', code: 'invalid_request', retryable: false }),
    ]);
  });

  it('limits concurrency to its slots, queues the rest and reports load in status', async () => {
    const agent = await startAgent(
      'slots-1',
      new FailureInjectingEngine(
        new SimEngine({ ttftMs: 0, decodeTokensPerSec: 0, outputTokens: 2 }),
        { stallAfterTokens: 1 },
      ),
      { slots: 2, maxQueue: 1 },
    );
    const statuses: AgentStatusInfo[] = [];
    const sub = client.events.subscribe((e) => {
      if (e.type === 'status' && e.status.agentId === 'slots-1') statuses.push(e.status);
    });
    const acs = [new AbortController(), new AbortController(), new AbortController()];
    const runs = acs.map((ac) =>
      collect(
        client.request(
          'slots-1',
          { kind: 'chat', stream: true, body: chat('x') },
          { signal: ac.signal },
        ),
      ).catch((e: Error) => e.message),
    );
    const queued = await firstValueFrom(
      client.events.pipe(
        filter(
          (e) => e.type === 'status' && e.status.agentId === 'slots-1' && e.status.queueDepth === 1,
        ),
      ),
    );
    expect(queued).toMatchObject({
      status: { state: 'busy', slotsBusy: 2, slotsTotal: 2, queueDepth: 1 },
    });
    expect(agent.load).toEqual({ busy: 2, queued: 1 });
    // Queue full: the fourth is refused at once.
    const fourth = await collect(
      client.request('slots-1', { kind: 'chat', stream: true, body: chat('x') }),
    );
    expect(fourth).toEqual([
      expect.objectContaining({ type: 'error', code: 'overloaded', retryable: true }),
    ]);
    // Cancelling frees the slots: the stalled engines stop and the agent goes idle.
    const idle = firstValueFrom(
      client.events.pipe(
        filter(
          (e) => e.type === 'status' && e.status.agentId === 'slots-1' && e.status.state === 'idle',
        ),
      ),
    );
    acs.forEach((ac) => ac.abort(new Error('stop')));
    expect(await Promise.all(runs)).toEqual(['stop', 'stop', 'stop']);
    await idle;
    expect(agent.load).toEqual({ busy: 0, queued: 0 });
    sub.unsubscribe();
    expect(statuses.some((s) => s.state === 'busy')).toBe(true);
  });

  it('honours a deadline that passes while the request waits in the queue', async () => {
    await startAgent(
      'deadline-1',
      new FailureInjectingEngine(new SimEngine({ ttftMs: 0 }), { stallAfterTokens: 0 }),
      { slots: 1 },
    );
    const ac = new AbortController();
    const blocker = collect(
      client.request(
        'deadline-1',
        { kind: 'chat', stream: true, body: chat('a') },
        { signal: ac.signal },
      ),
    ).catch(() => 'aborted');
    const events = await collect(
      client.request('deadline-1', {
        kind: 'chat',
        stream: true,
        deadlineMs: 200,
        body: chat('b'),
      }),
    );
    expect(events).toEqual([
      expect.objectContaining({ type: 'error', code: 'deadline_exceeded', retryable: false }),
    ]);
    expect(events[0]?.type === 'error' && events[0].message).toMatch(
      /exceeded its deadline on agent deadline-1/,
    );
    ac.abort();
    expect(await blocker).toBe('aborted');
  });

  it('drains: refuses new work, finishes what it accepted, then leaves (disposed)', async () => {
    const agent = await startAgent(
      'drain-1',
      new SimEngine({ ttftMs: 0, decodeTokensPerSec: 50, outputTokens: 10 }),
    );
    const running = collect(
      client.request('drain-1', { kind: 'chat', stream: true, body: chat('a') }),
    );
    await firstValueFrom(
      client.events.pipe(
        filter(
          (e) => e.type === 'status' && e.status.agentId === 'drain-1' && e.status.slotsBusy === 1,
        ),
      ),
    );
    const gone = firstValueFrom(
      client.events.pipe(filter((e) => e.type === 'gone' && e.agentId === 'drain-1')),
    );
    const draining = agent.drain(10_000);
    await firstValueFrom(
      client.events.pipe(
        filter(
          (e) =>
            e.type === 'status' && e.status.agentId === 'drain-1' && e.status.state === 'draining',
        ),
      ),
    );
    const refused = await collect(
      client.request('drain-1', { kind: 'chat', stream: false, body: chat('b') }),
    );
    expect(refused).toEqual([
      expect.objectContaining({ type: 'error', code: 'draining', retryable: true }),
    ]);
    const done = await running;
    expect(done.filter((e) => e.type === 'text')).toHaveLength(10);
    expect(done.at(-1)).toMatchObject({ type: 'final' });
    await draining;
    expect(await gone).toMatchObject({ reason: 'disposed' });
  });

  it('serves embeddings', async () => {
    await startAgent('embed-1', new SimEngine({ embeddingDim: 16, prefillTokensPerSec: 0 }), {
      models: ['nomic-embed-text'],
      specialization: 'embedding',
    });
    const events = await collect(
      client.request('embed-1', {
        kind: 'embedding',
        stream: false,
        body: { model: 'nomic-embed-text', input: ['a', 'b'] },
      }),
    );
    expect(events[0]?.type).toBe('embedding');
    const vectors = events[0]?.type === 'embedding' ? events[0].embeddings : [];
    expect(vectors).toHaveLength(2);
    expect(Math.hypot(...(vectors[0] ?? []))).toBeCloseTo(1, 9);
    expect(events[1]).toMatchObject({ type: 'final', usage: { prompt_tokens: 2 } });
  });

  it('announces model changes at run time and serves only what it announces', async () => {
    const agent = await startAgent('update-1');
    const updated = firstValueFrom(
      client.events.pipe(filter((e) => e.type === 'updated' && e.agent.agentId === 'update-1')),
    );
    agent.updateInfo({ models: ['phi-4-mini', 'llama-3.2-1b'], version: '0.2.0' });
    expect(await updated).toMatchObject({
      agent: { models: ['phi-4-mini', 'llama-3.2-1b'], version: '0.2.0' },
    });
    expect(view.agent('update-1')?.info.models).toEqual(['phi-4-mini', 'llama-3.2-1b']);
    const llama = await collect(
      client.request('update-1', {
        kind: 'chat',
        stream: false,
        body: { ...chat('x'), model: 'llama-3.2-1b' },
      }),
    );
    expect(llama.at(-1)).toMatchObject({ type: 'final' });
    agent.updateInfo({ models: ['llama-3.2-1b'] });
    const phi = await collect(
      client.request('update-1', { kind: 'chat', stream: false, body: chat('x') }),
    );
    expect(phi).toEqual([expect.objectContaining({ type: 'error', code: 'model_not_found' })]);
    expect(() => agent.updateInfo({ models: [] })).toThrow(TypeError);
  });

  it('validates its options', () => {
    const engine = new SimEngine();
    expect(
      () => new Agent({ id: 'x', models: [], specialization: 'text', slots: 1, engine }),
    ).toThrow(TypeError);
    expect(
      () => new Agent({ id: 'x', models: ['m'], specialization: 'text', slots: 0, engine }),
    ).toThrow(RangeError);
  });

  it('refuses a malformed id when constructed, before any DDS entity exists', () => {
    const engine = new SimEngine();
    expect(
      () => new Agent({ id: 'has space', models: ['m'], specialization: 'text', slots: 1, engine }),
    ).toThrow(RangeError);
  });

  it('heartbeats its status periodically, and rate-limits change-driven status', async () => {
    await startAgent('beat-1', undefined, { heartbeatMs: 100, statusMinIntervalMs: 10_000 });
    // Without any load change, heartbeats keep coming.
    const beats = await firstValueFrom(
      client.events.pipe(
        filter((e) => e.type === 'status' && e.status.agentId === 'beat-1'),
        take(3),
        toArray(),
      ),
    );
    expect(beats).toHaveLength(3);
    // A burst of load changes inside the rate limit is folded into the heartbeats, not sent one
    // by one: 20 requests make 40 changes, far fewer status samples arrive.
    const seen: number[] = [];
    const sub = client.events.subscribe((e) => {
      if (e.type === 'status' && e.status.agentId === 'beat-1') seen.push(Date.now());
    });
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        collect(client.request('beat-1', { kind: 'chat', stream: false, body: chat('x') })),
      ),
    );
    await firstValueFrom(
      client.events.pipe(filter((e) => e.type === 'status' && e.status.agentId === 'beat-1')),
    );
    sub.unsubscribe();
    const elapsed = Date.now() - t0;
    // At most one change-driven sample in the window, plus one per heartbeat.
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
  });

  it('creates (and closes) its own participant from a domain id', async () => {
    const agent = new Agent({
      id: 'own-1',
      models: ['phi-4-mini'],
      specialization: 'text',
      slots: 1,
      engine: new SimEngine({ ttftMs: 0, decodeTokensPerSec: 0, outputTokens: 2 }),
      domainId: DOMAIN,
      leaseMs: 2000,
    });
    await agent.start();
    await client.ready('own-1');
    const events = await collect(
      client.request('own-1', { kind: 'chat', stream: false, body: chat('x') }),
    );
    expect(events.at(-1)).toMatchObject({ type: 'final' });
    const gone = firstValueFrom(
      client.events.pipe(filter((e) => e.type === 'gone' && e.agentId === 'own-1')),
    );
    await agent.stop();
    expect(await gone).toMatchObject({ reason: 'disposed' });
    await expect(agent.start()).rejects.toThrow(/already stopped/);
  });
});
