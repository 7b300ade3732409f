import { Agent, FailureInjectingEngine, SimEngine } from '@dds/agent';
import { FleetClient, type ResponseEvent } from '@dds/protocol';
import { DomainParticipant } from '@dds/transport';
import { FleetWatch } from './fleet-watch';

/** This file's DDS domain (watch over DDS: 46). */
const DOMAIN = 46;

describe('FleetWatch on a live domain', () => {
  let gw: DomainParticipant;
  let ap: DomainParticipant;
  let client: FleetClient;
  let agent: Agent;
  let wp: DomainParticipant;
  let watch: FleetWatch;

  beforeAll(async () => {
    gw = new DomainParticipant({ domainId: DOMAIN });
    ap = new DomainParticipant({ domainId: DOMAIN });
    client = new FleetClient({ participant: gw, gatewayId: 'gw-watch' });
    wp = new DomainParticipant({ domainId: DOMAIN });
    watch = new FleetWatch(wp);
    agent = new Agent({
      id: 'watched-1',
      models: ['phi-4-mini'],
      specialization: 'text',
      slots: 2,
      // Stalls after one token: requests stay in flight until cancelled.
      engine: new FailureInjectingEngine(new SimEngine({ ttftMs: 0 }), { stallAfterTokens: 1 }),
      participant: ap,
      heartbeatMs: 200,
      statusMinIntervalMs: 0,
    });
    await agent.start();
    await client.ready('watched-1');
  });

  afterAll(async () => {
    await agent.stop();
    watch.close();
    wp.close();
    client.close();
    ap.close();
    gw.close();
  });

  function until(pred: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      if (pred()) return resolve();
      const off = watch.onChange(() => {
        if (pred()) {
          off();
          resolve();
        }
      });
    });
  }

  it('lists the agent and counts its requests in flight until they end', async () => {
    await until(() => watch.rows().some((r) => r.agent.info.agentId === 'watched-1'));
    const acs = [new AbortController(), new AbortController()];
    const runs = acs.map((ac) =>
      (async () => {
        const out: ResponseEvent[] = [];
        for await (const ev of client.request(
          'watched-1',
          {
            kind: 'chat',
            stream: true,
            body: { model: 'phi-4-mini', messages: [{ role: 'user', content: 'x' }] },
          },
          { signal: ac.signal },
        )) {
          out.push(ev);
        }
        return out;
      })().catch(() => 'cancelled'),
    );
    await until(
      () => watch.rows().find((r) => r.agent.info.agentId === 'watched-1')?.inFlight === 2,
    );
    expect(watch.requestsSeen).toBeGreaterThanOrEqual(2);
    for (const ac of acs) ac.abort();
    expect(await Promise.all(runs)).toEqual(['cancelled', 'cancelled']);
    await until(
      () => watch.rows().find((r) => r.agent.info.agentId === 'watched-1')?.inFlight === 0,
    );
  });
});
