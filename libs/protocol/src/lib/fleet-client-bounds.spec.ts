import { DomainParticipant } from '@dds/transport';
import { filter, firstValueFrom, scan } from 'rxjs';
import { encodeRegistration, encodeStatus } from './codec';
import { FleetClient } from './fleet-client';
import { PROTOCOL_VERSION, type FleetEvent } from './model';
import { createProtocolTopics, type ProtocolTopics } from './protocol-topics';
import { QOS } from './topics';

/** This file's DDS domain (hardening range 150-159). */
const DOMAIN = 154;

function status(agentId: string) {
  return encodeStatus({
    agentId,
    state: 'idle',
    slotsBusy: 0,
    slotsTotal: 1,
    queueDepth: 0,
    emaLatencyMs: 0,
    tokensPerSecond: 0,
    heartbeatMs: 1000,
  });
}

function registration(agentId: string, protocolVersion = PROTOCOL_VERSION) {
  return encodeRegistration({
    agentId,
    protocolVersion,
    models: ['m'],
    specialization: 'text',
    capabilities: [],
    slots: 1,
    maxContextTokens: 1024,
    version: 'test',
    hostname: 'localhost',
    leaseMs: 30_000,
  });
}

/** Resolves once `count` events of the client match `match`. */
function nth(client: FleetClient, count: number, match: (ev: FleetEvent) => boolean) {
  return firstValueFrom(
    client.events.pipe(
      filter(match),
      scan((n) => n + 1, 0),
      filter((n) => n >= count),
    ),
  );
}

describe('FleetClient tables a peer can fill', () => {
  let pp: DomainParticipant;
  let topics: ProtocolTopics;

  beforeAll(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
    topics = createProtocolTopics(pp);
  });

  afterAll(() => {
    topics.close();
    pp.close();
  });

  it('keeps at most maxPendingStatus early statuses of 25,000 unknown ids, reporting each one dropped', async () => {
    const client = new FleetClient({
      participant: pp,
      gatewayId: 'gw-bounds-1',
      maxPendingStatus: 100,
    });
    const writer = pp.createWriter(topics.status, QOS.status());
    try {
      await writer.waitForMatch({ timeoutMs: 5_000 });
      const dropped = nth(
        client,
        25_000 - 100,
        (ev) => ev.type === 'rejected' && ev.topic === 'agent/status',
      );
      for (let i = 0; i < 25_000; i++) writer.write(status(`ghost-${i}`));
      await dropped;
      expect(client.stats()).toMatchObject({ agents: 0, pendingStatus: 100, incompatible: 0 });
      // The newest are the ones kept: a registration that follows its status still gets it.
      const got = nth(
        client,
        1,
        (ev) => ev.type === 'status' && ev.status.agentId === 'ghost-24999',
      );
      const reg = pp.createWriter(topics.register, QOS.registerWriter(30_000));
      reg.write(registration('ghost-24999'));
      await got;
      expect(client.stats()).toMatchObject({ agents: 1, pendingStatus: 99 });
      reg.close();
    } finally {
      writer.close();
      client.close();
    }
  });

  it('forgets early statuses after pendingStatusTtlMs', async () => {
    const client = new FleetClient({
      participant: pp,
      gatewayId: 'gw-bounds-2',
      pendingStatusTtlMs: 50,
    });
    const writer = pp.createWriter(topics.status, QOS.status());
    try {
      await writer.waitForMatch({ timeoutMs: 5_000 });
      const seen = new Promise<void>((resolve) => {
        // The status reader takes every sample on its doorbell: wait until the client holds them.
        const poll = () => (client.stats().pendingStatus === 10 ? resolve() : setImmediate(poll));
        poll();
      });
      for (let i = 0; i < 10; i++) writer.write(status(`stale-${i}`));
      await seen;
      const expired = nth(
        client,
        10,
        (ev) => ev.type === 'rejected' && ev.topic === 'agent/status',
      );
      await new Promise((r) => setTimeout(r, 60));
      expect(client.stats().pendingStatus).toBe(0);
      await expired;
    } finally {
      writer.close();
      client.close();
    }
  });

  it('remembers at most maxIncompatible agents of another protocol version', async () => {
    const client = new FleetClient({
      participant: pp,
      gatewayId: 'gw-bounds-3',
      maxIncompatible: 50,
    });
    const writer = pp.createWriter(topics.register, QOS.registerWriter(30_000));
    try {
      await writer.waitForMatch({ timeoutMs: 5_000 });
      const all = nth(client, 2_000, (ev) => ev.type === 'incompatible');
      for (let i = 0; i < 2_000; i++) writer.write(registration(`old-${i}`, PROTOCOL_VERSION + 1));
      await all;
      expect(client.stats().incompatible).toBe(50);
      expect(client.stats().agents).toBe(0);
    } finally {
      writer.close();
      client.close();
    }
  });

  it('reports a malformed registration as rejected, with the reason', async () => {
    const client = new FleetClient({ participant: pp, gatewayId: 'gw-bounds-4' });
    const writer = pp.createWriter(topics.register, QOS.registerWriter(30_000));
    try {
      await writer.waitForMatch({ timeoutMs: 5_000 });
      const rejected = firstValueFrom(client.events.pipe(filter((ev) => ev.type === 'rejected')));
      writer.write({
        ...registration('too-many'),
        models: Array.from({ length: 65 }, (_, i) => `m${i}`),
      });
      expect(await rejected).toEqual({
        type: 'rejected',
        topic: 'agent/register',
        agentId: 'too-many',
        reason: 'models has 65 entries; at most 64 are allowed',
      });
      expect(client.stats().agents).toBe(0);
    } finally {
      writer.close();
      client.close();
    }
  });
});
