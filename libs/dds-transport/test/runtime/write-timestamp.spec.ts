import { DomainParticipant, MAX_SOURCE_TIMESTAMP, type Qos } from '../../src';
import { KeyedType } from '../../tmp/generated/runtime/runtime-types';
import { takeN, uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 110;
const reliable: Qos = { reliability: { kind: 'reliable' }, history: { kind: 'keep-all' } };

describe('source timestamps set by the writer (domain 110)', () => {
  let pp: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(() => pp.close());

  const endpoints = (name: string, writerQos: Qos = reliable) => {
    const topic = pp.createTopic(uniqueTopic(name), KeyedType);
    return { reader: pp.createReader(topic, reliable), writer: pp.createWriter(topic, writerQos) };
  };

  it('write, writeDispose, dispose and unregister deliver exactly the timestamp given', async () => {
    const { reader, writer } = endpoints('ts/all_ops', {
      ...reliable,
      writerDataLifecycle: { autodisposeUnregisteredInstances: false },
    });
    // One operation at a time: a reader that still holds an unread sample of the instance only
    // updates its instance state instead of adding a sample.
    const next = async (): Promise<[bigint, string, boolean, unknown]> => {
      const [s] = await takeN(reader, 1);
      return [s.info.sourceTimestamp, s.info.instanceState, s.info.validData, s.key.id];
    };
    writer.write({ id: 'a', seq: 1, text: 'x' }, { timestamp: 1n });
    expect(await next()).toEqual([1n, 'alive', true, 'a']);
    writer.dispose({ id: 'a', seq: 0, text: '' }, { timestamp: 1_700_000_000_123_456_789n });
    expect(await next()).toEqual([1_700_000_000_123_456_789n, 'disposed', false, 'a']);
    writer.writeDispose({ id: 'b', seq: 2, text: 'y' }, { timestamp: 1_000_000_007n });
    expect(await next()).toEqual([1_000_000_007n, 'disposed', true, 'b']);
    writer.write({ id: 'c', seq: 3, text: 'z' }, { timestamp: 2n });
    expect(await next()).toEqual([2n, 'alive', true, 'c']);
    writer.unregister({ id: 'c', seq: 0, text: '' }, { timestamp: MAX_SOURCE_TIMESTAMP });
    expect(await next()).toEqual([MAX_SOURCE_TIMESTAMP, 'no-writers', false, 'c']);
  });

  it('stamps samples written without a timestamp with the current time', async () => {
    const { reader, writer } = endpoints('ts/now');
    const before = BigInt(Date.now()) * 1_000_000n;
    writer.write({ id: 'n', seq: 1, text: '' });
    writer.write({ id: 'n', seq: 2, text: '' }, {});
    const got = await takeN(reader, 2);
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    for (const s of got) {
      expect(s.info.sourceTimestamp).toBeGreaterThanOrEqual(before);
      expect(s.info.sourceTimestamp).toBeLessThanOrEqual(after);
    }
  });

  it.each([
    [{ timestamp: 5 }, TypeError, 'timestamp must be a bigint (ns since the epoch)'],
    [{ timestamp: -1n }, RangeError, `timestamp must be between 0 and ${MAX_SOURCE_TIMESTAMP} ns`],
    [
      { timestamp: MAX_SOURCE_TIMESTAMP + 1n },
      RangeError,
      `timestamp must be between 0 and ${MAX_SOURCE_TIMESTAMP} ns`,
    ],
    [null, TypeError, 'options must be an object'],
    ['now', TypeError, 'options must be an object'],
  ])('rejects options %p before writing anything', async (options, type, message) => {
    const { reader, writer } = endpoints('ts/bad');
    const sample = { id: 'z', seq: 1, text: '' };
    for (const op of ['write', 'writeDispose', 'dispose', 'unregister'] as const) {
      expect(() => writer[op](sample, options as never)).toThrow(type);
      expect(() => writer[op](sample, options as never)).toThrow(message);
    }
    // Nothing reached the reader: a good write afterwards is the only sample.
    writer.write(sample, { timestamp: 42n });
    const [s] = await takeN(reader, 1);
    expect(s.info.sourceTimestamp).toBe(42n);
    expect(reader.take()).toEqual([]);
  });
});
