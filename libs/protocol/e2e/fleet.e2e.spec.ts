import { DomainParticipant } from '@dds/transport';
import { filter, firstValueFrom } from 'rxjs';
import {
  agentPartition,
  createProtocolTopics,
  FleetClient,
  FleetView,
  gatewayPartition,
  PROTOCOL_VERSION,
  QOS,
  type FleetEvent,
  type ResponseEvent,
} from '../src';
import { ChildAgent } from './fixtures/child-agent';

/** This file's DDS domain (fleet membership e2e: 41). */
const DOMAIN = 41;
const LEASE_MS = 1000;
const ECHO = 'libs/protocol/e2e/fixtures/echo-agent.ts';

function participant(): DomainParticipant {
  return new DomainParticipant({ domainId: DOMAIN });
}

function next<T extends FleetEvent['type']>(
  client: FleetClient,
  type: T,
  agentId: string,
): Promise<Extract<FleetEvent, { type: T }>> {
  return firstValueFrom(
    client.events.pipe(
      filter(
        (e): e is Extract<FleetEvent, { type: T }> =>
          e.type === type &&
          ('agent' in e ? e.agent.agentId : e.type === 'status' ? e.status.agentId : e.agentId) ===
            agentId,
      ),
    ),
  );
}

describe('fleet membership over DDS (agents in child processes)', () => {
  let pp: DomainParticipant;
  let client: FleetClient;
  let view: FleetView;
  const children: ChildAgent[] = [];

  function start(id: string, ...extra: string[]): ChildAgent {
    const c = ChildAgent.start(ECHO, [
      '--domain',
      String(DOMAIN),
      '--id',
      id,
      '--lease',
      String(LEASE_MS),
      ...extra,
    ]);
    children.push(c);
    return c;
  }

  beforeAll(() => {
    pp = participant();
    client = new FleetClient({ participant: pp, gatewayId: 'gw-fleet' });
    view = new FleetView(client);
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    client.close();
    pp.close();
  });

  it('a SIGKILLed agent is seen gone (lease expired) within its lease', async () => {
    const registered = next(client, 'registered', 'victim');
    const child = start('victim');
    expect((await registered).agent.leaseMs).toBe(LEASE_MS);
    const gone = next(client, 'gone', 'victim');
    const t0 = Date.now();
    await child.kill('SIGKILL');
    expect(await gone).toEqual({ type: 'gone', agentId: 'victim', reason: 'lease-expired' });
    const elapsed = Date.now() - t0;
    // Cyclone declares the writer dead when the lease runs out after its last assertion.
    expect(elapsed).toBeLessThanOrEqual(LEASE_MS + 500);
    expect(view.agent('victim')).toBeUndefined();
  });

  it('a cleanly stopped agent is seen gone (disposed) at once, well before its lease', async () => {
    const registered = next(client, 'registered', 'leaver');
    // A long lease: only the explicit dispose can make it disappear quickly.
    const child = start('leaver', '--lease', '20000');
    await Promise.all([registered, child.waitFor((e) => e['event'] === 'ready')]);
    const gone = next(client, 'gone', 'leaver');
    const t0 = Date.now();
    child.proc.kill('SIGTERM');
    expect(await gone).toEqual({ type: 'gone', agentId: 'leaver', reason: 'disposed' });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect({ exit: await child.exited, stderr: child.errors }).toEqual({ exit: 0, stderr: '' });
  });

  it('a restarted agent re-registers and a gateway that joins later sees it (transient-local)', async () => {
    const first = next(client, 'registered', 'phoenix');
    const a = start('phoenix');
    await first;
    const gone = next(client, 'gone', 'phoenix');
    await a.kill('SIGKILL');
    await gone;
    const again = next(client, 'registered', 'phoenix');
    start('phoenix');
    await again;

    // A second participant of this process (own GUID, own readers), created after the fact.
    const late = new DomainParticipant({ domainId: DOMAIN });
    const lateClient = new FleetClient({ participant: late, gatewayId: 'gw-late' });
    const lateView = new FleetView(lateClient);
    try {
      if (!lateView.agent('phoenix')) await next(lateClient, 'registered', 'phoenix');
      expect(lateView.agent('phoenix')?.info.agentId).toBe('phoenix');
      // The late gateway can use it too.
      await lateClient.ready('phoenix');
      const events = [];
      for await (const ev of lateClient.request('phoenix', {
        kind: 'chat',
        stream: false,
        body: { model: 'echo-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 },
      })) {
        events.push(ev);
      }
      expect(events.at(-1)).toMatchObject({ type: 'final', agentId: 'phoenix' });
    } finally {
      lateClient.close();
      late.close();
    }
  });

  it('an agent speaking a newer protocol version is reported incompatible and never routed to', async () => {
    const incompatible = next(client, 'incompatible', 'future');
    start('future', '--protocol-version', String(PROTOCOL_VERSION + 1));
    const ev = await incompatible;
    expect(ev.protocolVersion).toBe(PROTOCOL_VERSION + 1);
    expect(ev.message).toMatch(/protocol version 2; this gateway speaks version 1/);
    expect(view.agent('future')).toBeUndefined();
    const events = [];
    for await (const e of client.request('future', {
      kind: 'chat',
      stream: false,
      body: { model: 'echo-1', messages: [] },
    })) {
      events.push(e);
    }
    expect(events).toEqual([
      expect.objectContaining({ type: 'error', code: 'agent_incompatible', retryable: false }),
    ]);
    // At once, not after the timeout.
    await expect(client.ready('future', 60_000)).rejects.toMatchObject({
      code: 'agent_incompatible',
    });
  });

  it("routes by partition: an agent never receives other agents' requests, a gateway never other gateways' responses", async () => {
    await Promise.all(
      ['iso-a', 'iso-b'].map((id) => {
        const r = next(client, 'registered', id);
        start(id);
        return r;
      }),
    );
    // Eavesdroppers: a request reader in agent iso-b's partition, a response reader in gateway
    // gw-fleet's partition.
    const topics = createProtocolTopics(pp);
    const spyRequests = pp
      .createSubscriber({ partitions: [agentPartition('iso-b')] })
      .createReader(topics.request, QOS.request());
    const spyResponses = pp
      .createSubscriber({ partitions: [gatewayPartition('gw-fleet')] })
      .createReader(topics.response, QOS.response());
    const other = new FleetClient({ participant: pp, gatewayId: 'gw-other' });
    try {
      await other.ready('iso-a');
      await client.ready('iso-a');
      const body = { model: 'echo-1', messages: [{ role: 'user', content: 'iso' }], max_tokens: 3 };
      const ask = async (c: FleetClient, agent: string, requestId: string) => {
        const out: ResponseEvent[] = [];
        for await (const ev of c.request(
          agent,
          { kind: 'chat', stream: true, body },
          { requestId },
        ))
          out.push(ev);
        expect(out.at(-1)?.type).toBe('final');
      };
      // gw-fleet asks iso-a first, so iso-a now has a response writer for gw-fleet's partition,
      // which the response spy matches; then only gw-other asks iso-a.
      await ask(client, 'iso-a', 'mine-1');
      await Promise.all([spyRequests.waitForMatch(), spyResponses.waitForMatch()]);
      await Promise.all(Array.from({ length: 5 }, (_, i) => ask(other, 'iso-a', `theirs-${i}`)));
      // A last request to iso-b from gw-fleet: the spies must see exactly their own traffic.
      await ask(client, 'iso-b', 'mine-2');
      const seenRequests = new Set<string>();
      await new Promise<void>((resolve) => {
        const check = () => {
          for (const s of spyRequests.take())
            seenRequests.add(s.data?.request_id ?? String(s.key.request_id));
          if (seenRequests.has('mine-2')) {
            spyRequests.off('data', check);
            resolve();
          }
        };
        spyRequests.on('data', check);
        check();
      });
      expect(seenRequests).toEqual(new Set(['mine-2']));
      const seenResponses = new Set(
        spyResponses.take().flatMap((s) => (s.data ? [s.data.request_id] : [])),
      );
      // mine-1 may have been caught while the spy was matching; other gateways' never.
      expect(seenResponses.has('mine-2')).toBe(true);
      expect([...seenResponses].filter((id) => !id.startsWith('mine-'))).toEqual([]);
    } finally {
      other.close();
      spyRequests.close();
      spyResponses.close();
      topics.close();
    }
  });
});
