import {
  DdsAlreadyDeletedError,
  DdsTimeoutError,
  DomainParticipant,
  type IncompatibleQosStatus,
  type PublicationMatchedStatus,
  type SubscriptionMatchedStatus,
} from '../../src';
import { KeylessType } from '../../tmp/generated/runtime/runtime-types';
import { nextEvent, takeN, uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 12;

describe('status events, waitForMatch, waitForAcks (domain 12)', () => {
  let pp: DomainParticipant;
  let other: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
    other = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(() => {
    pp.close();
    other.close();
  });

  it('emits publication-matched and subscription-matched with counts and handles', async () => {
    const topic = pp.createTopic(uniqueTopic('st/matched'), KeylessType);
    const writer = pp.createWriter(topic);
    const pubMatched = nextEvent<PublicationMatchedStatus>(writer, 'publication-matched');
    const otherTopic = other.createTopic(topic.name, KeylessType);
    const reader = other.createReader(otherTopic, { reliability: { kind: 'reliable' } });
    const subMatched = nextEvent<SubscriptionMatchedStatus>(reader, 'subscription-matched');
    const [p, s] = await Promise.all([pubMatched, subMatched]);
    expect(p).toMatchObject({
      currentCount: 1,
      currentCountChange: 1,
      totalCount: 1,
      totalCountChange: 1,
    });
    expect(p.lastSubscriptionHandle).toBe(reader.instanceHandle);
    expect(s).toMatchObject({ currentCount: 1, currentCountChange: 1 });
    expect(s.lastPublicationHandle).toBe(writer.instanceHandle);

    const unmatched = nextEvent<PublicationMatchedStatus>(writer, 'publication-matched');
    reader.close();
    expect(await unmatched).toMatchObject({
      currentCount: 0,
      currentCountChange: -1,
      totalCount: 1,
    });
  });

  it('waitForMatch resolves at the requested count and rejects with DdsTimeoutError otherwise', async () => {
    const topic = pp.createTopic(uniqueTopic('st/wait'), KeylessType);
    const writer = pp.createWriter(topic);
    await expect(writer.waitForMatch({ timeoutMs: 50 })).rejects.toBeInstanceOf(DdsTimeoutError);
    const waiting = writer.waitForMatch({ count: 2, timeoutMs: 10000 });
    const t2 = other.createTopic(topic.name, KeylessType);
    other.createReader(t2);
    other.createReader(t2);
    await expect(waiting).resolves.toBeUndefined();
    expect(writer.matchedCount()).toBe(2);
  });

  it('waitForMatch rejects with DdsAlreadyDeletedError when the entity closes while waiting', async () => {
    const topic = pp.createTopic(uniqueTopic('st/wait_close'), KeylessType);
    const reader = pp.createReader(topic);
    const waiting = reader.waitForMatch();
    reader.close();
    await expect(waiting).rejects.toBeInstanceOf(DdsAlreadyDeletedError);
  });

  it('reports the durability policy when a transient-local reader meets a volatile writer', async () => {
    const topic = pp.createTopic(uniqueTopic('st/durability'), KeylessType);
    const writer = pp.createWriter(topic, { durability: 'volatile' });
    const offered = nextEvent<IncompatibleQosStatus>(writer, 'offered-incompatible-qos');
    const t2 = other.createTopic(topic.name, KeylessType);
    const reader = other.createReader(t2, {
      durability: 'transient-local',
      reliability: { kind: 'reliable' },
    });
    const requested = nextEvent<IncompatibleQosStatus>(reader, 'requested-incompatible-qos');
    const [o, r] = await Promise.all([offered, requested]);
    expect(o.policy).toBe('durability');
    expect(r.policy).toBe('durability');
    expect(o.totalCount).toBeGreaterThanOrEqual(1);
    expect(writer.matchedCount()).toBe(0);
  });

  it('reports the reliability policy when a reliable reader meets a best-effort writer', async () => {
    const topic = pp.createTopic(uniqueTopic('st/reliability'), KeylessType);
    const writer = pp.createWriter(topic, { reliability: { kind: 'best-effort' } });
    const t2 = other.createTopic(topic.name, KeylessType);
    const reader = other.createReader(t2, { reliability: { kind: 'reliable' } });
    const [o, r] = await Promise.all([
      nextEvent<IncompatibleQosStatus>(writer, 'offered-incompatible-qos'),
      nextEvent<IncompatibleQosStatus>(reader, 'requested-incompatible-qos'),
    ]);
    expect(o.policy).toBe('reliability');
    expect(r.policy).toBe('reliability');
  });

  it('waitForAcks resolves once the reliable reader of another participant acknowledged everything', async () => {
    const topic = pp.createTopic(uniqueTopic('st/acks'), KeylessType);
    const writer = pp.createWriter(topic, {
      reliability: { kind: 'reliable' },
      history: { kind: 'keep-all' },
    });
    const t2 = other.createTopic(topic.name, KeylessType);
    const reader = other.createReader(t2, {
      reliability: { kind: 'reliable' },
      history: { kind: 'keep-all' },
    });
    await writer.waitForMatch({ timeoutMs: 10000 });
    for (let i = 0; i < 100; i++) writer.write({ seq: i, text: 'ack me' });
    await writer.waitForAcks(10000);
    // Acknowledged means delivered into the reader's history: all 100 are there now.
    expect(reader.take().length).toBe(100);
  });

  it('emits requested-deadline-missed when a writer falls silent', async () => {
    const topic = pp.createTopic(uniqueTopic('st/deadline'), KeylessType);
    const writer = pp.createWriter(topic, { reliability: { kind: 'reliable' }, deadlineMs: 100 });
    const reader = pp.createReader(topic, { reliability: { kind: 'reliable' }, deadlineMs: 100 });
    writer.write({ seq: 1, text: '' });
    await takeN(reader, 1);
    const missed = await nextEvent<{ totalCount: number; lastInstanceHandle: bigint }>(
      reader,
      'requested-deadline-missed',
      5000,
    );
    expect(missed.totalCount).toBeGreaterThanOrEqual(1);
    expect(missed.lastInstanceHandle).not.toBe(0n);
  });
});
