import { DomainParticipant } from '@dds/transport';
import { filter, firstValueFrom } from 'rxjs';
import { GatewayPresence, GatewayStatusType, QOS, TOPICS, type GatewayPeer } from '../src';

/** This file's DDS domain (the dashboard's range is 170-179). */
const DOMAIN = 171;

describe('GatewayPresence (gateway/status) between two participants', () => {
  const participants: DomainParticipant[] = [];
  const presences: GatewayPresence[] = [];

  function participant(): DomainParticipant {
    const p = new DomainParticipant({ domainId: DOMAIN });
    participants.push(p);
    return p;
  }

  function presence(id: string, inFlight: number): GatewayPresence {
    const g = new GatewayPresence({
      participant: participant(),
      gatewayId: id,
      heartbeatMs: 100,
      leaseMs: 1000,
      hostname: `host-${id}`,
      load: () => ({ inFlight, queued: 2, requestsPerSecond: 3.5, agents: 4 }),
    });
    presences.push(g);
    return g;
  }

  const until = (g: GatewayPresence, pred: (peers: GatewayPeer[]) => boolean) =>
    pred(g.peers()) ? Promise.resolve(g.peers()) : firstValueFrom(g.changes.pipe(filter(pred)));

  afterEach(() => {
    for (const g of presences.splice(0)) g.close();
    for (const p of participants.splice(0)) p.close();
  });

  it('validates its options', () => {
    const p = participant();
    const load = () => ({ inFlight: 0, queued: 0, requestsPerSecond: 0, agents: 0 });
    expect(() => new GatewayPresence({ participant: p, gatewayId: 'bad id*', load })).toThrow(
      RangeError,
    );
    expect(
      () => new GatewayPresence({ participant: p, gatewayId: 'g', load, heartbeatMs: 0 }),
    ).toThrow(RangeError);
  });

  it('gateways see each other with their load, and a closed one leaves at once', async () => {
    const a = presence('gw-a', 1);
    const b = presence('gw-b', 7);
    const peers = await until(a, (ps) => ps.length === 2);
    expect(peers.map((p) => [p.gatewayId, p.self, p.inFlight, p.hostname])).toEqual([
      ['gw-a', true, 1, 'host-gw-a'],
      ['gw-b', false, 7, 'host-gw-b'],
    ]);
    expect(peers[1]).toMatchObject({
      queued: 2,
      requestsPerSecond: 3.5,
      agents: 4,
      heartbeatMs: 100,
    });
    b.close();
    expect((await until(a, (ps) => ps.length === 1)).map((p) => p.gatewayId)).toEqual(['gw-a']);
  });

  it("ignores another participant's malformed status", async () => {
    const a = presence('gw-a', 0);
    const rogue = participant();
    const topic = rogue.createTopic(TOPICS.gatewayStatus, GatewayStatusType);
    const writer = rogue.createWriter(topic, QOS.registerWriter(1000));
    const bad = {
      protocol_version: 1,
      hostname: 'x',
      version: '',
      in_flight: 0,
      queued: 0,
      agents: 0,
      heartbeat_ms: 100,
    };
    writer.write({ ...bad, gateway_id: 'no spaces allowed', requests_per_second: 1 });
    writer.write({ ...bad, gateway_id: 'gw-nan', requests_per_second: NaN });
    writer.write({ ...bad, gateway_id: 'gw-good', requests_per_second: 1 });
    const peers = await until(a, (ps) => ps.some((p) => p.gatewayId === 'gw-good'));
    expect(peers.map((p) => p.gatewayId)).toEqual(['gw-a', 'gw-good']);
    writer.close();
    topic.close();
  });
});
