import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { DomainParticipant, type Reader, type TypeSupport } from '../../src';
import * as dp from '../../tmp/generated/ddsperf_types';
import { DATA_QOS, DdsPerfPeer, type DdsPerfSample, type DdsPerfTopic } from './ddsperf-peer';

/**
 * Interop with CycloneDDS's own `ddsperf` (Debian cyclonedds-tools), on the types generated from
 * its `ddsperf_types.idl`: data from `ddsperf pub` to a Node reader and from a Node writer to
 * `ddsperf sub`, counting losses on both sides, and ddsperf's ping/pong protocol in both
 * directions, which only works if source timestamps set by a writer reach the reader exactly.
 * Domains 111–114, one per direction.
 */
const PAYLOAD = 100; // ddsperf's `size`: the 12 fixed bytes of KeyedSeq included

interface Topic<T extends DdsPerfSample> {
  readonly name: DdsPerfTopic;
  readonly type: TypeSupport<T>;
  readonly make: (seq: number) => T;
  /** What ddsperf reports as `size` for these samples. */
  readonly size: number;
}

const topic = <T extends DdsPerfSample>(t: Topic<T>): Topic<T> => t;
const TOPICS = [
  topic({
    name: 'KS',
    type: dp.KeyedSeqType,
    make: (seq) => ({ seq, keyval: 0, baggage: new Uint8Array(PAYLOAD - 12).fill(seq & 0xff) }),
    size: PAYLOAD,
  }),
  topic({
    name: 'K32',
    type: dp.Keyed32Type,
    make: (seq) => ({ seq, keyval: 0, baggage: new Uint8Array(24) }),
    size: 32,
  }),
  topic({
    name: 'K256',
    type: dp.Keyed256Type,
    make: (seq) => ({ seq, keyval: 0, baggage: new Uint8Array(248) }),
    size: 256,
  }),
  topic({ name: 'OU', type: dp.OneULongType, make: (seq) => ({ seq }), size: 4 }),
];

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** A running ddsperf. */
interface DdsPerf {
  /** Resolves when it exited (killed after 30 s at the latest). */
  readonly done: Promise<Run>;
  /** Resolves with its output so far once `predicate` holds for it (or it exited). */
  until(predicate: (output: string) => boolean): Promise<string>;
  /** Ends it cleanly (SIGTERM: ddsperf then prints its totals and checks its criteria). */
  stop(): void;
}

function ddsperf(args: string[]): DdsPerf {
  const child = spawn('ddsperf', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (d: string): void => {
    output += d;
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
  const done = once(child, 'exit').then(([code]) => {
    clearTimeout(killer);
    for (const w of [...waiters]) w();
    return { code: code as number | null, output };
  });
  let exited = false;
  void done.then(() => (exited = true));
  return {
    done,
    until: (predicate) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!predicate(output) && !exited) return;
          waiters.delete(check);
          resolve(output);
        };
        waiters.add(check);
        check();
      }),
    stop: () => child.kill('SIGTERM'),
  };
}

/** The `sub` lines of ddsperf: payload size, total received and total lost. */
function subTotals(output: string): { size: number; total: number; lost: number }[] {
  return [...output.matchAll(/size (\d+) total (\d+) lost (\d+) delta/g)].map((m) => ({
    size: Number(m[1]),
    total: Number(m[2]),
    lost: Number(m[3]),
  }));
}

/** Every sample available now. */
function drain<T>(reader: Reader<T>): T[] {
  const out: T[] = [];
  for (let batch = reader.take(); batch.length > 0; batch = reader.take())
    for (const s of batch) if (s.data) out.push(s.data);
  return out;
}

describe('interop with ddsperf (domains 111-114)', () => {
  let pp: DomainParticipant | undefined;
  let peer: DdsPerfPeer<dp.KeyedSeq> | undefined;
  afterEach(() => {
    pp?.close();
    peer?.close();
    pp = peer = undefined;
  });

  it.each(TOPICS)(
    'receives what `ddsperf pub -T $name` publishes, without losses',
    async ({ name, type, size }) => {
      pp = new DomainParticipant({ domainId: 111 });
      const reader = pp.createReader(
        pp.createTopic(`DDSPerfRData${name}`, type as TypeSupport<DdsPerfSample>),
        DATA_QOS,
      );
      const received: DdsPerfSample[] = [];
      const stamps: bigint[] = [];
      reader.on('data', () => {
        for (const s of reader.take())
          if (s.data) {
            received.push(s.data);
            stamps.push(s.info.sourceTimestamp);
          }
      });
      const start = BigInt(Date.now() - 1) * 1_000_000n;
      const sizeArgs = name === 'KS' ? ['size', String(size)] : [];
      const run = await ddsperf(['-i', '111', '-T', name, '-D', '2', 'pub', '2000Hz', ...sizeArgs])
        .done;
      expect(run).toMatchObject({ code: 0 });
      // The writer lingers until its data is acknowledged, so all of it is here.
      received.push(...drain(reader));
      const end = BigInt(Date.now() + 1) * 1_000_000n;
      expect(received.length).toBeGreaterThan(500);
      // Samples written before discovery completed never reach a volatile reader; from the
      // first one received on, every sequence number is there, in order.
      const first = received[0].seq;
      expect(received.map((s) => s.seq)).toEqual(received.map((_, i) => first + i));
      // ddsperf stamps data with the lowest bit clear ("no answer wanted").
      expect(stamps.every((t) => (t & 1n) === 0n && t >= start && t <= end)).toBe(true);
    },
  );

  it.each(TOPICS)(
    '`ddsperf sub -T $name` receives everything a Node writer publishes',
    async ({ name, type, make, size }) => {
      const N = 2000;
      pp = new DomainParticipant({ domainId: 112 });
      const writer = pp.createWriter(
        pp.createTopic(`DDSPerfRData${name}`, type as TypeSupport<DdsPerfSample>),
        DATA_QOS,
      );
      const sub = ddsperf(['-i', '112', '-T', name, '-Q', `samples:${N}`, '-D', '20', 'sub']);
      await writer.waitForMatch({ timeoutMs: 15000 });
      const base = BigInt(Date.now()) * 1_000_000n;
      for (let seq = 0; seq < N; seq++) {
        writer.write(make(seq), { timestamp: base + BigInt(seq) * 2n });
        if (seq % 200 === 199) await new Promise((r) => setImmediate(r));
      }
      await writer.waitForAcks(15000);
      // ddsperf prints its totals once a second; stop it after the line that counts them all.
      await sub.until((out) => (subTotals(out).pop()?.total ?? 0) >= N);
      sub.stop();
      const run = await sub.done;
      const last = subTotals(run.output).pop();
      expect(last).toEqual({ size, total: N, lost: 0 });
      // Exit status 0: enough samples (-Q samples:N) and no loss detected.
      expect(run.code).toBe(0);
    },
  );

  it('answers `ddsperf ping`: it measures round trips through a Node pong peer', async () => {
    peer = new DdsPerfPeer(113, 'KS', dp.KeyedSeqType);
    const run = await ddsperf(['-i', '113', '-D', '3', 'ping']).done;
    // Exit status 0: ddsperf found every endpoint it expects of a peer.
    expect(run).toMatchObject({ code: 0 });
    const me = `${hostname()}:${process.pid}`;
    const counts = [...run.output.matchAll(/ (\S+) size 12 mean [\d.]+us .* cnt (\d+)/g)]
      .filter((m) => m[1] === me)
      .map((m) => Number(m[2]));
    const roundTrips = counts.reduce((a, b) => a + b, 0);
    // ddsperf pings again only on an answer whose timestamp has bit 0 set; with a wrong
    // timestamp it would fall back to one ping a second.
    expect(roundTrips).toBeGreaterThan(200);
    expect(peer.pongsSent).toBeGreaterThanOrEqual(roundTrips);
  });

  it('pings `ddsperf pong`, which echoes each ping with its source timestamp', async () => {
    const N = 200;
    const pong = ddsperf(['-i', '114', '-D', '25', 'pong']);
    peer = new DdsPerfPeer(114, 'KS', dp.KeyedSeqType);
    await peer.waitForPeers(1, 15000);
    const rtts: number[] = [];
    let lost = 0;
    for (let seq = 0; seq < N; seq++) {
      // Odd, and distinct to the nanosecond: ddsperf echoes `timestamp | 1`, i.e. unchanged.
      const timestamp = (BigInt(Date.now()) * 1_000_000n + BigInt(seq) * 2n) | 1n;
      const t0 = process.hrtime.bigint();
      // Reliable: an answer never comes only if it was lost; the wait is long because a loaded
      // machine (the full check runs ASan builds alongside) can stall either process for seconds.
      const got = await peer.ping(
        { seq, keyval: 0, baggage: new Uint8Array(0) },
        timestamp,
        10_000,
      );
      if (!got) {
        lost++;
        continue;
      }
      rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
      expect(got.data?.seq).toBe(seq);
      expect(got.info.sourceTimestamp).toBe(timestamp);
    }
    pong.stop();
    const run = await pong.done;
    expect(lost).toBe(0);
    expect(rtts).toHaveLength(N);
    expect(run).toMatchObject({ code: 0 });
  });
});
