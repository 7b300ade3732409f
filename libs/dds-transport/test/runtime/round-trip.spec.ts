import { DomainParticipant, type Qos } from '../../src';
import { EvolvingType, KeyedType, KeylessType } from '../../tmp/generated/runtime/runtime-types';
import { takeN, uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 10;
const reliable: Qos = { reliability: { kind: 'reliable' }, history: { kind: 'keep-all' } };

describe('write/take round trips (domain 10)', () => {
  let pp: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(() => pp.close());

  it('carries keyed samples, including string keys longer than 16 bytes (MD5 keyhash)', async () => {
    const topic = pp.createTopic(uniqueTopic('rt/keyed'), KeyedType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    await writer.waitForMatch({ timeoutMs: 10000 });
    const long = 'agent-with-a-rather-long-identifier-0123456789';
    writer.write({ id: 'a', seq: 1, text: 'hello' });
    writer.write({ id: long, seq: 2, text: 'wörld ✓' });
    writer.write({ id: 'a', seq: 3, text: '' });
    // take() returns samples grouped by instance; order by sequence number to compare.
    const got = (await takeN(reader, 3)).sort((x, y) => (x.data?.seq ?? 0) - (y.data?.seq ?? 0));
    expect(got.map((s) => s.data)).toEqual([
      { id: 'a', seq: 1, text: 'hello' },
      { id: long, seq: 2, text: 'wörld ✓' },
      { id: 'a', seq: 3, text: '' },
    ]);
    expect(got.map((s) => s.key)).toEqual([{ id: 'a' }, { id: long }, { id: 'a' }]);
    expect(got.every((s) => s.info.validData && s.info.instanceState === 'alive')).toBe(true);
    // Two instances: the samples of 'a' share one instance handle, the long key has another.
    expect(got[0].info.instanceHandle).toBe(got[2].info.instanceHandle);
    expect(got[1].info.instanceHandle).not.toBe(got[0].info.instanceHandle);
    expect(got[0].info.publicationHandle).toBe(writer.instanceHandle);
    expect(got[0].info.viewState).toBe('new');
    expect(got[2].info.viewState).toBe('new');
    const now = BigInt(Date.now()) * 1_000_000n;
    expect(now - got[0].info.sourceTimestamp).toBeLessThan(60_000_000_000n);
    expect(now - got[0].info.sourceTimestamp).toBeGreaterThanOrEqual(-1_000_000_000n);
  });

  it('carries keyless samples in one instance', async () => {
    const topic = pp.createTopic(uniqueTopic('rt/keyless'), KeylessType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    for (let i = 0; i < 5; i++) writer.write({ seq: i, text: `n${i}` });
    const got = await takeN(reader, 5);
    expect(got.map((s) => s.data?.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(got.map((s) => s.info.instanceHandle)).size).toBe(1);
    expect(got[0].key).toEqual({});
  });

  it('carries an appendable type as XCDR2', async () => {
    expect(EvolvingType.defaultDataRepresentation).toBe('XCDR2');
    const topic = pp.createTopic(uniqueTopic('rt/evolving'), EvolvingType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    writer.write({ k: 7, v: 'seven' });
    const [s] = await takeN(reader, 1);
    expect(s.data).toEqual({ k: 7, v: 'seven' });
    expect(s.key).toEqual({ k: 7 });
  });

  it('takes in batches of at most `max` and read() leaves samples in place', async () => {
    const topic = pp.createTopic(uniqueTopic('rt/batches'), KeylessType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    for (let i = 0; i < 25; i++) writer.write({ seq: i, text: 'x'.repeat(i) });
    // Local delivery is synchronous, so all 25 are in the reader's history now.
    const peek = reader.read(5);
    expect(peek.map((s) => s.data?.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(peek.every((s) => s.info.sampleState === 'not-read')).toBe(true);
    expect(reader.read(2).map((s) => s.info.sampleState)).toEqual(['read', 'read']);
    const first = reader.take(10);
    expect(first.map((s) => s.data?.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const rest = reader.take();
    expect(rest.map((s) => s.data?.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 10));
    expect(rest[14].data?.text).toBe('x'.repeat(24));
    expect(reader.take()).toEqual([]);
  });

  it('keeps only the last sample per instance with keep-last 1', async () => {
    const topic = pp.createTopic(uniqueTopic('rt/keep_last'), KeyedType);
    const reader = pp.createReader(topic, {
      reliability: { kind: 'reliable' },
      history: { kind: 'keep-last', depth: 1 },
    });
    const writer = pp.createWriter(topic, reliable);
    for (let i = 0; i < 4; i++) {
      writer.write({ id: 'x', seq: i, text: '' });
      writer.write({ id: 'y', seq: i, text: '' });
    }
    const got = reader.take();
    expect(got.map((s) => [s.data?.id, s.data?.seq]).sort()).toEqual([
      ['x', 3],
      ['y', 3],
    ]);
  });

  it('keeps writers and readers in different partitions apart', async () => {
    const topic = pp.createTopic(uniqueTopic('rt/partitions'), KeylessType);
    const subA = pp.createSubscriber({ partitions: ['a'] });
    const subB = pp.createSubscriber({ partitions: ['b'] });
    const pubA = pp.createPublisher({ partitions: ['a'] });
    const readerA = subA.createReader(topic, reliable);
    const readerB = subB.createReader(topic, reliable);
    const writer = pubA.createWriter(topic, reliable);
    await writer.waitForMatch({ count: 1, timeoutMs: 10000 });
    expect(writer.matchedCount()).toBe(1);
    writer.write({ seq: 1, text: 'only a' });
    const [s] = await takeN(readerA, 1);
    expect(s.data?.text).toBe('only a');
    expect(readerB.take()).toEqual([]);
  });
});
