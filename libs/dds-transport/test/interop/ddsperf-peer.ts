/**
 * A participant that CycloneDDS's `ddsperf` takes for one of its own: the same topics, types and
 * QoS, the `DDSPerf:<has-data-reader>:<pid>:<host>` user data by which ddsperf recognises its
 * peers, a pong reader in a partition named after its own GUID, and per ddsperf peer a pong
 * writer in that peer's partition. It answers pings as ddsperf does, echoing the ping's source
 * timestamp with the lowest bit set (the bit ddsperf uses to tell ping answers from data
 * answers), and can ping a `ddsperf pong` itself.
 */
import { hostname } from 'node:os';
import {
  BuiltinReader,
  DomainParticipant,
  type EndpointBuiltinTopicData,
  type ParticipantBuiltinTopicData,
  type Qos,
  type Reader,
  type Sample,
  type TypeSupport,
  type Writer,
} from '../../src';

/** ddsperf's `-T` topics and the types behind them (from `ddsperf_types.idl`). */
export type DdsPerfTopic = 'KS' | 'K32' | 'K256' | 'OU';

/** What every ddsperf data type has: the sequence number ddsperf counts losses by. */
export interface DdsPerfSample {
  seq: number;
}

const MAGIC = 'DDSPerf:';
const reliable = { kind: 'reliable', maxBlockingTimeMs: 10000 } as const;
/** ddsperf's data and pong readers: keep-all, at most 10000 samples. */
export const DATA_QOS: Qos = {
  reliability: reliable,
  history: { kind: 'keep-all' },
  resourceLimits: { maxSamples: 10000 },
};
/** ddsperf's ping endpoints and pong writers: keep-last 1. */
const PING_QOS: Qos = { reliability: reliable, history: { kind: 'keep-last', depth: 1 } };

/** ddsperf's partition name for a participant GUID (`make_guidstr`: 4 groups of 8 hex digits). */
export function guidPartition(key: string): string {
  return key.match(/.{8}/g)?.join('_') ?? key;
}

/** Whether a discovered participant is a ddsperf process (or one of these peers). */
function isDdsPerf(p: ParticipantBuiltinTopicData): boolean {
  const ud = p.qos.userData;
  return ud !== undefined && /^DDSPerf:\d+:\d+:/.test(Buffer.from(ud).toString('latin1'));
}

export class DdsPerfPeer<T extends DdsPerfSample> {
  readonly participant: DomainParticipant;
  readonly dataTopicName: string;
  readonly pingReader: Reader<T>;
  readonly pingWriter: Writer<T>;
  readonly pongReader: Reader<T>;
  /** Pongs sent in answer to pings from ddsperf peers. */
  pongsSent = 0;
  readonly #participants: BuiltinReader<ParticipantBuiltinTopicData>;
  readonly #publications: BuiltinReader<EndpointBuiltinTopicData>;
  /** Pong writer per ddsperf participant (by GUID key). */
  readonly #pongWriters = new Map<string, Writer<T>>();
  /** Participant GUID of each discovered writer, by its instance (publication) handle. */
  readonly #writerOwner = new Map<bigint, string>();
  readonly #pongTopic;

  constructor(domainId: number, topic: DdsPerfTopic, type: TypeSupport<T>) {
    const userData = new TextEncoder().encode(`${MAGIC}0:${process.pid}:${hostname()}`);
    this.participant = new DomainParticipant({ domainId, qos: { userData } });
    const pp = this.participant;
    this.dataTopicName = `DDSPerfRData${topic}`;
    const pingTopic = pp.createTopic(`DDSPerfRPing${topic}`, type);
    this.#pongTopic = pp.createTopic(`DDSPerfRPong${topic}`, type);
    this.#participants = pp.createBuiltinReader('DCPSParticipant');
    this.#publications = pp.createBuiltinReader('DCPSPublication');
    const self = this.#participants.take().find((s) => s.info.instanceHandle === pp.instanceHandle);
    if (!self?.data) throw new Error('own participant missing from DCPSParticipant');
    this.pongReader = pp
      .createSubscriber({ partitions: [guidPartition(self.data.key)] })
      .createReader(this.#pongTopic, DATA_QOS);
    this.pingReader = pp.createReader(pingTopic, PING_QOS);
    this.pingWriter = pp.createWriter(pingTopic, PING_QOS);
    this.#participants.on('data', () => this.#discover());
    this.pingReader.on('data', () => this.#answerPings());
    this.#discover();
  }

  /** Resolves once `count` ddsperf peers are known and matched on ping and pong, both ways. */
  async waitForPeers(count: number, timeoutMs: number): Promise<void> {
    const opts = { count, timeoutMs };
    await Promise.all([
      this.pingReader.waitForMatch(opts),
      this.pingWriter.waitForMatch(opts),
      this.pongReader.waitForMatch(opts),
    ]);
    for (const w of this.#pongWriters.values()) await w.waitForMatch({ timeoutMs });
  }

  close(): void {
    this.participant.close();
  }

  /** ddsperf peers (other than this one) as they announced themselves. */
  #discover(): void {
    for (const s of this.#participants.take()) {
      const key = s.key.key as string;
      if (!s.data) {
        this.#pongWriters.get(key)?.close();
        this.#pongWriters.delete(key);
        continue;
      }
      if (s.info.instanceHandle === this.participant.instanceHandle || !isDdsPerf(s.data)) continue;
      if (this.#pongWriters.has(key)) continue;
      const publisher = this.participant.createPublisher({ partitions: [guidPartition(key)] });
      this.#pongWriters.set(key, publisher.createWriter(this.#pongTopic, PING_QOS));
    }
  }

  /** The pong writer towards the participant that owns writer `publication`, if known. */
  #pongWriterFor(publication: bigint): Writer<T> | undefined {
    if (!this.#writerOwner.has(publication)) {
      for (const s of this.#publications.take())
        if (s.data) this.#writerOwner.set(s.info.instanceHandle, s.data.participantKey);
      this.#discover();
    }
    const owner = this.#writerOwner.get(publication);
    return owner === undefined ? undefined : this.#pongWriters.get(owner);
  }

  /** As ddsperf's `process_ping`: the same sample back, source timestamp with bit 0 set. */
  #answerPings(): void {
    for (const s of this.pingReader.take()) {
      if (!s.data) continue;
      const w = this.#pongWriterFor(s.info.publicationHandle);
      if (!w) continue;
      w.write(s.data, { timestamp: s.info.sourceTimestamp | 1n });
      this.pongsSent++;
    }
  }

  /**
   * Sends one ping stamped `timestamp` (bit 0 set, as ddsperf's pings) and resolves with the
   * first pong that comes back, or undefined after `timeoutMs`.
   */
  ping(sample: T, timestamp: bigint, timeoutMs: number): Promise<Sample<T> | undefined> {
    return new Promise((resolve) => {
      const done = (s: Sample<T> | undefined): void => {
        clearTimeout(timer);
        this.pongReader.off('data', onData);
        resolve(s);
      };
      const onData = (): void => {
        const got = this.pongReader.take().find((s) => s.data);
        if (got) done(got);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.pongReader.on('data', onData);
      this.pingWriter.write(sample, { timestamp });
      this.pingWriter.flush();
    });
  }
}
