import { DomainParticipant, type EndpointBuiltinTopicData, type Sample } from '../../src';
import { KeylessType } from '../../tmp/generated/runtime/runtime-types';
import { uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 18;

/** Takes from `reader` until `found` picks a sample, or fails after `timeoutMs`. */
async function takeUntil<T>(
  reader: {
    take(): Sample<T>[];
    on(e: 'data', l: () => void): unknown;
    off(e: 'data', l: () => void): unknown;
  },
  found: (s: Sample<T>) => boolean,
  timeoutMs = 10000,
): Promise<Sample<T>> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const hit = reader.take().find(found);
      if (!hit) return;
      clearTimeout(timer);
      reader.off('data', check);
      resolve(hit);
    };
    const timer = setTimeout(() => {
      reader.off('data', check);
      reject(new Error('no matching built-in sample'));
    }, timeoutMs);
    reader.on('data', check);
    check();
  });
}

describe('built-in discovery topics (domain 18)', () => {
  let pp: DomainParticipant;
  let remote: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
    remote = new DomainParticipant({
      domainId: DOMAIN,
      qos: { userData: new Uint8Array([42, 7]) },
    });
  });
  afterEach(() => {
    pp.close();
    remote.close();
  });

  it('DCPSPublication reports a remote writer with its topic, type, partitions and QoS, and its disposal', async () => {
    const publications = pp.createBuiltinReader('DCPSPublication');
    const name = uniqueTopic('bi/pub');
    const writer = remote
      .createPublisher({ partitions: ['p1'] })
      .createWriter(remote.createTopic(name, KeylessType), {
        durability: 'transient-local',
        userData: new Uint8Array([1, 2, 3]),
      });
    const seen = await takeUntil<EndpointBuiltinTopicData>(
      publications,
      (s) => s.data?.topicName === name,
    );
    expect(seen.info.instanceState).toBe('alive');
    expect(seen.data).toMatchObject({
      topicName: name,
      typeName: 'rt::Keyless',
      qos: {
        durability: 'transient-local',
        reliability: { kind: 'reliable' },
        partitions: ['p1'],
        userData: new Uint8Array([1, 2, 3]),
      },
    });
    expect(seen.data?.key).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.info.instanceHandle).toBe(writer.instanceHandle);

    writer.close();
    const gone = await takeUntil<EndpointBuiltinTopicData>(
      publications,
      (s) => s.key.key === seen.data?.key && s.info.instanceState !== 'alive',
    );
    expect(gone.info.validData).toBe(false);
  });

  it('DCPSParticipant and DCPSSubscription see the other participant and its reader', async () => {
    const participants = pp.createBuiltinReader('DCPSParticipant');
    const subscriptions = pp.createBuiltinReader('DCPSSubscription');
    const name = uniqueTopic('bi/sub');
    remote.createReader(remote.createTopic(name, KeylessType));
    const sub = await takeUntil(subscriptions, (s) => s.data?.topicName === name);
    const owner = await takeUntil(participants, (s) => s.data?.key === sub.data?.participantKey);
    expect(owner.info.instanceHandle).toBe(remote.instanceHandle);
    expect(owner.data?.qos.userData).toEqual(new Uint8Array([42, 7]));
    expect(sub.data?.participantInstanceHandle).toBe(remote.instanceHandle);
  });

  it('rejects unknown built-in topic names', () => {
    expect(() => pp.createBuiltinReader('DCPSTopic' as 'DCPSParticipant')).toThrow(
      new TypeError(
        `built-in topic must be 'DCPSParticipant', 'DCPSPublication' or 'DCPSSubscription'`,
      ),
    );
  });
});
