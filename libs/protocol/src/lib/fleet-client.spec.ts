import { DomainParticipant } from '@dds/transport';
import { AgentEndpoint } from './agent-endpoint';
import { encodeRegistration } from './codec';
import { FleetClient } from './fleet-client';
import { PROTOCOL_VERSION, type FleetEvent, type ResponseEvent } from './model';
import { ProtocolError } from './protocol-error';
import { createProtocolTopics } from './protocol-topics';
import { QOS } from './topics';

/** This file's DDS domain (fleet client in-process checks: 47). */
const DOMAIN = 47;

describe('FleetClient', () => {
  let pp: DomainParticipant;

  beforeAll(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });

  afterAll(() => pp.close());

  /** A one-slot agent of model `m` on this file's participant. */
  const testEndpoint = (agentId: string) =>
    new AgentEndpoint({
      participant: pp,
      info: {
        agentId,
        models: ['m'],
        specialization: 'text',
        capabilities: [],
        slots: 1,
        maxContextTokens: 1024,
        version: 'test',
        hostname: 'localhost',
      },
    });

  it('ready() on a closed client rejects with a closed ProtocolError', async () => {
    const client = new FleetClient({ participant: pp, gatewayId: 'gw-closed' });
    client.close();
    const err = await client.ready('nobody', 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).toMatchObject({ code: 'closed' });
  });

  it('a deadline longer than a Node timer can hold does not expire at once', async () => {
    const endpoint = testEndpoint('far-deadline');
    const seen: (number | undefined)[] = [];
    // Answers only after a timer overflowing to 1 ms would have fired on either side.
    endpoint.onRequest((s) => {
      seen.push(s.request.deadlineUnixMs);
      setTimeout(
        () =>
          s.final({
            finish_reason: 'stop',
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        50,
      );
    });
    endpoint.start();
    const client = new FleetClient({ participant: pp, gatewayId: 'gw-far', deadlineGraceMs: 0 });
    try {
      await client.ready('far-deadline');
      const events: ResponseEvent[] = [];
      const thirtyDays = 30 * 24 * 3600 * 1000;
      for await (const ev of client.request('far-deadline', {
        kind: 'chat',
        stream: false,
        body: { model: 'm', messages: [] },
        deadlineMs: thirtyDays,
      })) {
        events.push(ev);
      }
      expect(events).toEqual([expect.objectContaining({ type: 'final', finishReason: 'stop' })]);
      // Beyond what a timer holds, the deadline travels as none (an agent would arm a timer on it).
      expect(seen).toEqual([undefined]);
    } finally {
      client.close();
      await endpoint.stop(0);
    }
  });
  it('reports reachability: after the registration once its request reader matches, and when it goes', async () => {
    const client = new FleetClient({ participant: pp, gatewayId: 'gw-reach' });
    const seen: string[] = [];
    let onEvent: (() => void) | undefined;
    client.events.subscribe((e: FleetEvent) => {
      if ('agentId' in e && e.agentId !== 'reach-1') return;
      if ('agent' in e && e.agent.agentId !== 'reach-1') return;
      if (e.type === 'status') return;
      seen.push(e.type === 'reachable' ? `reachable:${e.reachable}` : e.type);
      onEvent?.();
    });
    const until = (what: string) =>
      new Promise<void>((resolve) => {
        onEvent = () => seen.includes(what) && resolve();
        onEvent();
      });
    const endpoint = testEndpoint('reach-1');
    try {
      endpoint.start();
      await until('reachable:true');
      expect(client.reachable('reach-1')).toBe(true);
      expect(seen).toEqual(['registered', 'reachable:true']);
      await endpoint.stop(0);
      await until('gone');
      // The route goes with the agent: a late unmatch of its writer is not reported.
      expect(seen.filter((e) => e !== 'reachable:false')).toEqual([
        'registered',
        'reachable:true',
        'gone',
      ]);
      expect(client.reachable('reach-1')).toBe(false);
      expect(client.stats().routes).toBe(0);
    } finally {
      client.close();
      await endpoint.stop(0);
    }
  });

  it("aborting while the agent's request reader is still undiscovered throws at once", async () => {
    // A registration with no request reader behind it: the client's writer never matches.
    const topics = createProtocolTopics(pp);
    const writer = pp.createWriter(topics.register, QOS.registerWriter(5000));
    const client = new FleetClient({
      participant: pp,
      gatewayId: 'gw-abort',
      matchTimeoutMs: 20_000,
    });
    try {
      const registered = new Promise<void>((resolve) =>
        client.events.subscribe((e) => {
          if (e.type === 'registered' && e.agent.agentId === 'no-reader') resolve();
        }),
      );
      writer.write(
        encodeRegistration({
          agentId: 'no-reader',
          protocolVersion: PROTOCOL_VERSION,
          models: ['m'],
          specialization: 'text',
          capabilities: [],
          slots: 1,
          maxContextTokens: 1024,
          version: 'test',
          hostname: 'localhost',
          leaseMs: 5000,
        }),
      );
      await registered;
      const ac = new AbortController();
      const it = client
        .request(
          'no-reader',
          { kind: 'chat', stream: false, body: { model: 'm' } },
          { signal: ac.signal },
        )
        [Symbol.asyncIterator]();
      const first = it.next();
      const reason = new Error('client went away');
      ac.abort(reason);
      // Before: the generator sat in the match wait for matchTimeoutMs, then yielded an error.
      await expect(first).rejects.toBe(reason);
    } finally {
      client.close();
      writer.close();
      topics.close();
    }
  });
});
