import { DomainParticipant, type SampleRejectedStatus } from '../../src';
import { KeyedType } from '../../tmp/generated/runtime/runtime-types';
import { nextEvent, takeN, uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 20;

describe('QoS policies doing their job (domain 20)', () => {
  let pp: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(() => pp.close());

  it('rejects samples beyond the reader resource limits and reports sample-rejected', async () => {
    const topic = pp.createTopic(uniqueTopic('qos/limits'), KeyedType);
    const reader = pp.createReader(topic, {
      reliability: { kind: 'best-effort' },
      history: { kind: 'keep-all' },
      resourceLimits: { maxSamples: 2 },
    });
    const writer = pp.createWriter(topic, { reliability: { kind: 'best-effort' } });
    const rejected = nextEvent<SampleRejectedStatus>(reader, 'sample-rejected');
    for (let i = 0; i < 5; i++) writer.write({ id: 'r', seq: i, text: '' });
    const status = await rejected;
    expect(status.lastReason).toBe('samples-limit');
    expect(status.totalCount).toBeGreaterThanOrEqual(1);
    expect(reader.take().map((s) => s.data?.seq)).toEqual([0, 1]);
  });

  it('delivers only the strongest writer of an instance under exclusive ownership', async () => {
    const topic = pp.createTopic(uniqueTopic('qos/ownership'), KeyedType);
    const reader = pp.createReader(topic, {
      reliability: { kind: 'reliable' },
      history: { kind: 'keep-all' },
      ownership: { kind: 'exclusive' },
    });
    const weak = pp.createWriter(topic, {
      reliability: { kind: 'reliable' },
      ownership: { kind: 'exclusive', strength: 1 },
    });
    const strong = pp.createWriter(topic, {
      reliability: { kind: 'reliable' },
      ownership: { kind: 'exclusive', strength: 10 },
    });
    strong.write({ id: 'o', seq: 1, text: 'strong' });
    weak.write({ id: 'o', seq: 2, text: 'weak' });
    strong.write({ id: 'o', seq: 3, text: 'strong' });
    const got = await takeN(reader, 2);
    expect(got.map((s) => s.data?.text)).toEqual(['strong', 'strong']);
    expect(reader.take()).toEqual([]);
  });

  it('gives a late transient-local reader the last sample of each instance', async () => {
    const topic = pp.createTopic(uniqueTopic('qos/durable'), KeyedType);
    const writer = pp.createWriter(topic, {
      reliability: { kind: 'reliable' },
      durability: 'transient-local',
      history: { kind: 'keep-last', depth: 1 },
    });
    writer.write({ id: 'a', seq: 1, text: 'old' });
    writer.write({ id: 'a', seq: 2, text: 'new' });
    writer.write({ id: 'b', seq: 1, text: 'only' });
    const late = pp.createReader(topic, {
      reliability: { kind: 'reliable' },
      durability: 'transient-local',
    });
    const got = await takeN(late, 2);
    expect(got.map((s) => `${s.data?.id}:${s.data?.text}`).sort()).toEqual(['a:new', 'b:only']);
  });

  it('emits offered-deadline-missed on a writer that misses its deadline for an instance', async () => {
    const topic = pp.createTopic(uniqueTopic('qos/offered_deadline'), KeyedType);
    const writer = pp.createWriter(topic, { reliability: { kind: 'reliable' }, deadlineMs: 100 });
    const missed = nextEvent<{ totalCount: number; lastInstanceHandle: bigint }>(
      writer,
      'offered-deadline-missed',
      5000,
    );
    writer.write({ id: 'late', seq: 1, text: '' });
    const status = await missed;
    expect(status.totalCount).toBeGreaterThanOrEqual(1);
    // (CycloneDDS 0.10.2 leaves lastInstanceHandle 0 on the writer side.)
  });
});
