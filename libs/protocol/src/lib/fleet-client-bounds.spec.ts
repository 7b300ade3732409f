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

  it('passes on statuses of 25,000 unknown ids and keeps nothing per id (the registry buffers them)', async () => {
    const client = new FleetClient({ participant: pp, gatewayId: 'gw-bounds-1' });
    const writer = pp.createWriter(topics.status, QOS.status());
    try {
      await writer.waitForMatch({ timeoutMs: 5_000 });
      const all = nth(client, 25_000, (ev) => ev.type === 'status');
      for (let i = 0; i < 25_000; i++) writer.write(status(`ghost-${i}`));
      await all;
      expect(client.stats()).toEqual({
        routes: 0,
        incompatible: 0,
        instances: 0,
        pendingRequests: 0,
        backlog: 0,
        backlogDropped: 0,
      });
    } finally {
      writer.close();
      client.close();
    }
  });

  it('keeps at most maxBacklog events for its first subscriber, the newest, and none after', async () => {
    const client = new FleetClient({
      participant: pp,
      gatewayId: 'gw-bounds-2',
      maxBacklog: 100,
    });
    const writer = pp.createWriter(topics.status, QOS.status());
    try {
      await writer.waitForMatch({ timeoutMs: 5_000 });
      const read = new Promise<void>((resolve) => {
        // Nobody listens yet, so no event tells when the flood was read: the drop count does.
        const poll = () => (client.stats().backlogDropped === 900 ? resolve() : setImmediate(poll));
        poll();
      });
      for (let i = 0; i < 1_000; i++) writer.write(status(`early-${i}`));
      await read;
      const seen: string[] = [];
      const sub = client.events.subscribe((ev) => {
        if (ev.type === 'status') seen.push(ev.status.agentId);
      });
      // Delivered synchronously on subscribe: the 100 newest, in order.
      expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => `early-${900 + i}`));
      expect(client.stats()).toMatchObject({ backlog: 0, backlogDropped: 900 });
      sub.unsubscribe();
      // A later subscriber gets only what happens from then on.
      const late: string[] = [];
      const sub2 = client.events.subscribe((ev) => {
        if (ev.type === 'status') late.push(ev.status.agentId);
      });
      expect(late).toEqual([]);
      sub2.unsubscribe();
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
      expect(client.stats().routes).toBe(0);
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
      expect(client.stats().routes).toBe(0);
    } finally {
      writer.close();
      client.close();
    }
  });
});
