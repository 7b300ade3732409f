import { DomainParticipant, type Qos } from '../../src';
import { KeyedType, KeylessType } from '../../tmp/generated/runtime/runtime-types';
import { takeN, uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 11;
const reliable: Qos = { reliability: { kind: 'reliable' }, history: { kind: 'keep-all' } };
const LONG_ID = 'instance-with-a-key-longer-than-sixteen-bytes';

describe('instance lifecycle (domain 11)', () => {
  let pp: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(() => pp.close());

  it('dispose makes the instance disposed and hands out a key-only sample that decodes the key', async () => {
    const topic = pp.createTopic(uniqueTopic('life/dispose'), KeyedType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    writer.write({ id: 'a', seq: 1, text: 'alive' });
    writer.write({ id: LONG_ID, seq: 2, text: 'alive too' });
    const alive = await takeN(reader, 2);
    expect(alive.every((s) => s.info.instanceState === 'alive')).toBe(true);

    // Only the key matters for dispose; the other fields are not sent.
    writer.dispose({ id: 'a', seq: 0, text: 'ignored' });
    writer.dispose({ id: LONG_ID, seq: 0, text: 'ignored' });
    const disposed = await takeN(reader, 2);
    expect(disposed.map((s) => s.info.validData)).toEqual([false, false]);
    expect(disposed.map((s) => s.info.instanceState)).toEqual(['disposed', 'disposed']);
    expect(disposed.map((s) => s.data)).toEqual([undefined, undefined]);
    expect(
      disposed.map((s) => s.key).sort((x, y) => String(x.id).localeCompare(String(y.id))),
    ).toEqual([{ id: 'a' }, { id: LONG_ID }]);
    const handleOf = (id: string): bigint | undefined =>
      alive.find((s) => s.data?.id === id)?.info.instanceHandle;
    for (const s of disposed) expect(s.info.instanceHandle).toBe(handleOf(String(s.key.id)));
  });

  it('writeDispose delivers the data and disposes the instance', async () => {
    const topic = pp.createTopic(uniqueTopic('life/write_dispose'), KeyedType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    writer.writeDispose({ id: 'w', seq: 9, text: 'last words' });
    const [s] = await takeN(reader, 1);
    expect(s.info.validData).toBe(true);
    expect(s.data).toEqual({ id: 'w', seq: 9, text: 'last words' });
    expect(s.info.instanceState).toBe('disposed');
  });

  it('unregister without autodispose leaves the instance with no writers', async () => {
    const topic = pp.createTopic(uniqueTopic('life/unregister'), KeyedType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, {
      ...reliable,
      writerDataLifecycle: { autodisposeUnregisteredInstances: false },
    });
    writer.write({ id: 'u', seq: 1, text: '' });
    await takeN(reader, 1);
    writer.unregister({ id: 'u', seq: 1, text: '' });
    const [s] = await takeN(reader, 1);
    expect(s.info.validData).toBe(false);
    expect(s.info.instanceState).toBe('no-writers');
    expect(s.key).toEqual({ id: 'u' });
  });

  it('unregister with the default autodispose disposes the instance', async () => {
    const topic = pp.createTopic(uniqueTopic('life/autodispose'), KeyedType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    writer.write({ id: 'd', seq: 1, text: '' });
    await takeN(reader, 1);
    writer.unregister({ id: 'd', seq: 1, text: '' });
    const [s] = await takeN(reader, 1);
    expect(s.info.instanceState).toBe('disposed');
  });

  it('closing the writer leaves its instances with no writers', async () => {
    const topic = pp.createTopic(uniqueTopic('life/writer_close'), KeyedType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, {
      ...reliable,
      writerDataLifecycle: { autodisposeUnregisteredInstances: false },
    });
    writer.write({ id: 'c', seq: 1, text: '' });
    await takeN(reader, 1);
    writer.close();
    const [s] = await takeN(reader, 1);
    expect(s.info.instanceState).toBe('no-writers');
    expect(s.key).toEqual({ id: 'c' });
  });

  it('dispose on a keyless topic disposes its single instance', async () => {
    const topic = pp.createTopic(uniqueTopic('life/keyless'), KeylessType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    writer.write({ seq: 1, text: '' });
    await takeN(reader, 1);
    writer.dispose({ seq: 1, text: '' });
    const got = await takeN(reader, 1);
    expect(got[got.length - 1].info.instanceState).toBe('disposed');
    expect(got[got.length - 1].key).toEqual({});
  });
});
