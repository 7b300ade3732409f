import { DomainParticipant, type Reader, type Writer } from '@dds/transport';
import {
  agentPartition,
  createProtocolTopics,
  encodeRequest,
  FleetClient,
  FleetView,
  gatewayPartition,
  MAX_MODEL_LENGTH,
  PROTOCOL_VERSION,
  QOS,
  type AgentRequest,
  type AgentResponse,
  type ProtocolTopics,
  type ResponseEvent,
} from '../src';
import { ChildAgent } from './fixtures/child-agent';

/** This file's DDS domain (protocol e2e: 40). */
const DOMAIN = 40;
const AGENT = 'echo-a';
const INTERVAL = 20;

async function collect(it: AsyncIterable<ResponseEvent>): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

function chat(content: string, extra: Record<string, unknown> = {}) {
  return { model: 'echo-1', messages: [{ role: 'user', content }], ...extra };
}

function expected(prompt: string, n: number): string {
  return Array.from({ length: n }, (_, i) => `${i === 0 ? '' : ' '}w${i}:${prompt}`).join('');
}

describe('protocol across two processes (client here, agent in a child process)', () => {
  let child: ChildAgent;
  let participant: DomainParticipant;
  let client: FleetClient;
  let view: FleetView;

  beforeAll(async () => {
    child = ChildAgent.start('libs/protocol/e2e/fixtures/echo-agent.ts', [
      '--domain',
      String(DOMAIN),
      '--id',
      AGENT,
      '--interval',
      String(INTERVAL),
      '--tokens',
      '8',
    ]);
    participant = new DomainParticipant({ domainId: DOMAIN });
    client = new FleetClient({ participant, gatewayId: 'gw-e2e' });
    view = new FleetView(client);
    await child.waitFor((e) => e['event'] === 'ready');
    await client.ready(AGENT, 20_000);
  });

  afterAll(async () => {
    await child?.kill();
    client?.close();
    participant?.close();
  });

  it('lists the agent with its registration', () => {
    expect(view.agent(AGENT)?.info).toMatchObject({
      agentId: AGENT,
      models: ['echo-1'],
      specialization: 'text',
      protocolVersion: PROTOCOL_VERSION,
    });
  });

  it('completes a streaming request in order, then a final with usage', async () => {
    const events = await collect(
      client.request(AGENT, { kind: 'chat', stream: true, body: chat('s') }),
    );
    const texts = events
      .filter((e) => e.type === 'text')
      .map((e) => (e.type === 'text' ? e.text : ''));
    expect(texts).toHaveLength(8);
    expect(texts.join('')).toBe(expected('s', 8));
    expect(events.at(-1)).toEqual({
      type: 'final',
      finishReason: 'stop',
      agentId: AGENT,
      usage: { prompt_tokens: 1, completion_tokens: 8, total_tokens: 9 },
    });
  });

  it('completes a non-streaming request as one text and a final', async () => {
    const events = await collect(
      client.request(AGENT, { kind: 'chat', stream: false, body: chat('n', { max_tokens: 3 }) }),
    );
    expect(events).toEqual([
      { type: 'text', text: expected('n', 3) },
      expect.objectContaining({ type: 'final', finishReason: 'stop' }),
    ]);
  });

  it('carries embeddings', async () => {
    const events = await collect(
      client.request(AGENT, {
        kind: 'embedding',
        stream: false,
        body: { model: 'echo-1', input: 'x' },
      }),
    );
    expect(events[0]).toEqual({ type: 'embedding', embeddings: [[0.6, 0.8]] });
    expect(events[1]).toMatchObject({ type: 'final' });
  });

  it('keeps 50 concurrent streams to one agent ordered, complete and separate', async () => {
    const runs = Array.from({ length: 50 }, (_, i) =>
      collect(client.request(AGENT, { kind: 'chat', stream: true, body: chat(`c${i}`) })),
    );
    const results = await Promise.all(runs);
    results.forEach((events, i) => {
      const text = events.map((e) => (e.type === 'text' ? e.text : '')).join('');
      expect(text).toBe(expected(`c${i}`, 8));
      expect(events.at(-1)?.type).toBe('final');
    });
  });

  it('cancel on abort reaches the agent, which stops within one token interval', async () => {
    const ac = new AbortController();
    let received = 0;
    const run = (async () => {
      for await (const ev of client.request(
        AGENT,
        // 100 ms per token: the cancel has a whole interval to arrive, even on a busy machine.
        {
          kind: 'chat',
          stream: true,
          body: chat('cancel-me', { max_tokens: 10_000, x_interval_ms: 100 }),
        },
        { signal: ac.signal, requestId: 'req-cancel-1' },
      )) {
        if (ev.type === 'text' && ++received === 5) ac.abort(new Error('user went away'));
      }
    })();
    await expect(run).rejects.toThrow('user went away');
    const stopped = await child.waitFor(
      (e) => e['event'] === 'cancelled' && e['requestId'] === 'req-cancel-1',
    );
    // The agent may have produced the token that was in flight when the cancel arrived, no more.
    expect(stopped['produced']).toBeGreaterThanOrEqual(5);
    expect(stopped['produced']).toBeLessThanOrEqual(6);
  });

  it('a gateway that goes away cancels its open requests on the agent', async () => {
    const gone = new FleetClient({ participant, gatewayId: 'gw-vanishing' });
    await gone.ready(AGENT);
    const first = gone
      .request(
        AGENT,
        { kind: 'chat', stream: true, body: chat('orphan', { max_tokens: 10_000 }) },
        { requestId: 'req-orphan-1' },
      )
      [Symbol.asyncIterator]();
    expect((await first.next()).value).toMatchObject({ type: 'text' });
    gone.close();
    // The request writer is gone: the agent sees the instance without writers and stops.
    const stopped = await child.waitFor(
      (e) => e['event'] === 'cancelled' && e['requestId'] === 'req-orphan-1',
    );
    expect(stopped['produced']).toBeGreaterThanOrEqual(1);
    expect((await first.next()).value).toMatchObject({ type: 'error', code: 'closed' });
  });

  it('a deadline expires on the agent, which answers deadline_exceeded', async () => {
    const t0 = Date.now();
    const events = await collect(
      client.request(
        AGENT,
        { kind: 'chat', stream: true, deadlineMs: 150, body: chat('slow', { max_tokens: 10_000 }) },
        { requestId: 'req-deadline-1' },
      ),
    );
    const last = events.at(-1);
    expect(last).toMatchObject({
      type: 'error',
      code: 'deadline_exceeded',
      outputStarted: true,
      retryable: false,
    });
    // The agent's answer, not the client's local fallback (which fires only after the grace).
    expect(last?.type === 'error' && last.message).toBe('deadline exceeded on the agent');
    expect(Date.now() - t0).toBeLessThan(150 + 1000);
    await child.waitFor((e) => e['event'] === 'deadline' && e['requestId'] === 'req-deadline-1');
  });

  it('works for a gateway with a maximal id, and refuses invalid gateway ids', async () => {
    const long = new FleetClient({ participant, gatewayId: `g${'x'.repeat(127)}` });
    try {
      await long.ready(AGENT);
      const events = await collect(
        long.request(AGENT, { kind: 'chat', stream: false, body: chat('L', { max_tokens: 1 }) }),
      );
      expect(events.at(-1)).toMatchObject({ type: 'final' });
    } finally {
      long.close();
    }
    expect(() => new FleetClient({ participant, gatewayId: 'gw*' })).toThrow(RangeError);
    expect(() =>
      client.request(AGENT, { kind: 'chat', stream: false, body: chat('x') }, { requestId: 'a b' }),
    ).toThrow(RangeError);
  });

  it('reports an unknown agent as a retryable error event', async () => {
    const events = await collect(
      client.request('nobody', { kind: 'chat', stream: false, body: chat('x') }),
    );
    expect(events).toEqual([
      expect.objectContaining({ type: 'error', code: 'agent_not_found', retryable: true }),
    ]);
  });

  describe('a misbehaving agent, seen from the client', () => {
    // A second writer on the gateway's response partition stands in for a broken agent.
    let topics: ProtocolTopics;
    let forger: Writer<AgentResponse>;

    beforeAll(async () => {
      topics = createProtocolTopics(participant);
      forger = participant
        .createPublisher({ partitions: [gatewayPartition('gw-e2e')] })
        .createWriter(topics.response, QOS.response());
      await forger.waitForMatch();
    });

    afterAll(() => {
      forger.close();
      topics.close();
    });

    /**
     * Sends a slow stream (one token a second) as `id` and returns once the agent has started on
     * it, so the request is out and a forged sample can be slipped in ahead of the real ones.
     */
    async function startVictim(id: string): Promise<{ events: Promise<ResponseEvent[]> }> {
      const events = collect(
        client.request(
          AGENT,
          {
            kind: 'chat',
            stream: true,
            body: chat('victim', { max_tokens: 10_000, x_interval_ms: 1000 }),
          },
          { requestId: id },
        ),
      );
      await child.waitFor((e) => e['event'] === 'started' && e['requestId'] === id);
      return { events };
    }

    it('fails a request whose response skips a sequence number', async () => {
      const id = 'forge-gap-1';
      const { events: run } = await startVictim(id);
      // The agent has started on it: a sample with seq 5 now arrives first.
      forger.write({ request_id: id, seq: 5, agent_id: AGENT, kind: 'delta', text: 'x', data: '' });
      const events = await run;
      expect(events).toEqual([
        expect.objectContaining({
          type: 'error',
          code: 'sequence_gap',
          retryable: true,
          outputStarted: false,
        }),
      ]);
    });

    it("fails a request whose final carries malformed JSON, as the agent's fault", async () => {
      const id = 'forge-json-1';
      const { events: run } = await startVictim(id);
      forger.write({
        request_id: id,
        seq: 0,
        agent_id: AGENT,
        kind: 'final',
        text: '',
        data: '{"finish_reason":',
      });
      expect(await run).toEqual([
        // Retryable: the answer was the agent's fault, and another agent may do better.
        expect.objectContaining({
          type: 'error',
          code: 'malformed_response',
          retryable: true,
          outputStarted: false,
        }),
      ]);
    });
  });

  describe('bad input in raw samples', () => {
    let topics: ProtocolTopics;
    let writer: Writer<AgentRequest>;
    let reader: Reader<AgentResponse>;
    const responses = new Map<string, AgentResponse[]>();

    beforeAll(async () => {
      topics = createProtocolTopics(participant);
      writer = participant
        .createPublisher({ partitions: [agentPartition(AGENT)] })
        .createWriter(topics.request, QOS.request());
      reader = participant
        .createSubscriber({ partitions: [gatewayPartition('gw-raw')] })
        .createReader(topics.response, QOS.response());
      reader.on('data', () => {
        for (const s of reader.take()) {
          if (!s.data) continue;
          const list = responses.get(s.data.request_id) ?? [];
          list.push(s.data);
          responses.set(s.data.request_id, list);
        }
      });
      await writer.waitForMatch();
    });

    afterAll(() => {
      writer.close();
      reader.close();
    });

    function answered(id: string): Promise<AgentResponse[]> {
      return new Promise((resolve) => {
        const check = () => {
          const list = responses.get(id);
          if (list?.some((r) => r.kind === 'final' || r.kind === 'error')) {
            reader.off('data', check);
            resolve(list);
          }
        };
        reader.on('data', check);
        check();
      });
    }

    function raw(id: string, overrides: Partial<AgentRequest>): AgentRequest {
      return {
        ...encodeRequest(id, AGENT, 'gw-raw', {
          kind: 'chat',
          stream: false,
          body: chat('ok', { max_tokens: 2 }),
        }),
        ...overrides,
      };
    }

    it.each([
      ['malformed JSON body', { body: '{"messages": [' }, 'malformed_json'],
      [
        'unknown protocol version',
        { protocol_version: PROTOCOL_VERSION + 1 },
        'unsupported_protocol_version',
      ],
      ['over-long model field', { model: 'm'.repeat(MAX_MODEL_LENGTH + 1) }, 'field_too_long'],
      ['unknown kind', { kind: 'telepathy' }, 'unknown_kind'],
    ] as const)(
      'answers a %s with a protocol error and keeps serving others',
      async (_what, overrides, code) => {
        const id = `bad-${code}`;
        const good = `good-after-${code}`;
        writer.write(raw(id, overrides));
        writer.write(raw(good, {}));
        const [bad, ok] = await Promise.all([answered(id), answered(good)]);
        expect(bad).toHaveLength(1);
        expect(bad[0]).toMatchObject({ kind: 'error', seq: 0, agent_id: AGENT });
        expect(JSON.parse(bad[0]?.data ?? '')).toMatchObject({ code, retryable: false });
        expect(ok.map((r) => r.kind)).toEqual(['final']);
        expect(ok[0]?.text).toBe(expected('ok', 2));
      },
    );
  });
});
