import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  DdsAlreadyDeletedError,
  DdsTypeError,
  DomainParticipant,
  MAX_DOMAIN_ID,
  type Qos,
  type Topic,
} from '../../src';
import { KeyedType, KeylessType, type Keyed } from '../../tmp/generated/runtime/runtime-types';
import { uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 17;
const WORKSPACE = join(__dirname, '..', '..', '..', '..');

describe('argument checks, close and teardown (domain 17)', () => {
  let pp: DomainParticipant;
  let topic: Topic<Keyed>;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
    topic = pp.createTopic(uniqueTopic('lc/topic'), KeyedType);
  });
  afterEach(() => pp.close());

  it('rejects bad participant options with exact errors', () => {
    expect(() => new DomainParticipant({ domainId: -1 })).toThrow(
      new RangeError(`domainId must be between 0 and ${MAX_DOMAIN_ID}`),
    );
    expect(() => new DomainParticipant({ domainId: 233 })).toThrow(RangeError);
    expect(() => new DomainParticipant({ domainId: 1.5 })).toThrow(
      new TypeError('domainId must be an integer'),
    );
    expect(() => new DomainParticipant({ domainId: '3' as unknown as number })).toThrow(
      new TypeError('domainId must be an integer'),
    );
    expect(() => new DomainParticipant(null as unknown as object)).toThrow(
      new TypeError('options must be an object'),
    );
    expect(
      () =>
        new DomainParticipant({ qos: { deadlineMs: 5 } as unknown as { userData: Uint8Array } }),
    ).toThrow(new TypeError('participant qos only supports userData'));
    expect(() => new DomainParticipant({ config: 42 as unknown as string })).toThrow(
      new TypeError('config must be a non-empty string'),
    );
  });

  it('rejects bad topics, types and QoS with exact errors', () => {
    expect(() => pp.createTopic('', KeyedType)).toThrow(
      new TypeError('topic name must be a non-empty string'),
    );
    expect(() => pp.createTopic('bad-name', KeyedType)).toThrow(
      new TypeError(
        `topic name 'bad-name' may only contain letters, digits, '_' and '/' and must not start with a digit`,
      ),
    );
    expect(() => pp.createTopic('ok', {} as typeof KeyedType)).toThrow(
      new TypeError('type must be a TypeSupport (descriptor, encode, decode, decodeKey)'),
    );
    const broken = { ...KeyedType, descriptor: { ...KeyedType.descriptor, ops: [1.5] } };
    expect(() => pp.createTopic('ok', broken)).toThrow(
      new TypeError('type.descriptor.ops must be a non-empty array of uint32 words'),
    );
    const badKey = {
      ...KeyedType,
      descriptor: { ...KeyedType.descriptor, keys: [{ name: 'id', offset: 999, index: 0 }] },
    };
    expect(() => pp.createTopic('ok', badKey)).toThrow(
      new TypeError('type.descriptor.keys must be {name, offset < ops.length, index} entries'),
    );
    const bad: [unknown, Error][] = [
      ['x', new TypeError('qos must be an object')],
      [
        { reliability: { kind: 'sometimes' } },
        new TypeError(`qos.reliability.kind must be one of 'reliable', 'best-effort'`),
      ],
      [
        { history: { kind: 'keep-last', depth: 0 } },
        new RangeError('qos.history.depth must be between 1 and 2147483647'),
      ],
      [{ deadlineMs: -1 }, new RangeError('qos.deadlineMs must be >= 0')],
      [{ deadlineMs: NaN }, new TypeError('qos.deadlineMs must be a number of milliseconds')],
      [
        { durability: 'persistent' },
        new TypeError(`qos.durability must be one of 'volatile', 'transient-local'`),
      ],
      [{ userData: 'bytes' }, new TypeError('qos.userData must be a Uint8Array')],
      [
        { dataRepresentation: [] },
        new TypeError('qos.dataRepresentation must be a non-empty array'),
      ],
      [{ reliabilty: { kind: 'reliable' } }, new TypeError('qos.reliabilty is not a QoS policy')],
    ];
    for (const [qos, err] of bad) expect(() => pp.createWriter(topic, qos as Qos)).toThrow(err);
    expect(() => pp.createPublisher({ partitions: 'a' as unknown as string[] })).toThrow(
      new TypeError('partitions must be an array of strings'),
    );
    const other = new DomainParticipant({ domainId: DOMAIN });
    try {
      const foreign = other.createTopic(topic.name, KeyedType);
      expect(() => pp.createReader(foreign)).toThrow(
        new TypeError('topic belongs to another participant'),
      );
      expect(() => pp.createReader({} as Topic<Keyed>)).toThrow(
        new TypeError('topic must be a Topic'),
      );
    } finally {
      other.close();
    }
  });

  it('rejects bad samples and take arguments', () => {
    const writer = pp.createWriter(topic);
    const reader = pp.createReader(topic);
    expect(() => writer.write(null as unknown as Keyed)).toThrow(
      new TypeError('sample must be an object'),
    );
    expect(() => writer.write({ id: 'a', seq: 1.5, text: '' })).toThrow(DdsTypeError);
    expect(() => writer.write({ id: 7, seq: 1, text: '' } as unknown as Keyed)).toThrow(
      DdsTypeError,
    );
    expect(() => reader.take(0)).toThrow(new RangeError('max must be >= 1'));
    expect(() => reader.take(2.5)).toThrow(new TypeError('max must be an integer'));
    expect(() => writer.waitForMatch({ count: 0 })).toThrow(new RangeError('count must be >= 1'));
    expect(() => writer.waitForMatch({ timeoutMs: -5 })).toThrow(
      new RangeError('timeoutMs must be >= 0'),
    );
    // Bytes that CycloneDDS itself rejects (a string length running past the end) are a
    // DdsTypeError too, for writes and for key-only operations.
    const liar = {
      ...KeyedType,
      encode: () => new Uint8Array([0, 1, 0, 0, 0xff, 0xff, 0xff, 0x7f]),
    };
    const liarWriter = pp.createWriter(pp.createTopic(topic.name, liar));
    expect(() => liarWriter.write({ id: 'a', seq: 1, text: '' })).toThrow(DdsTypeError);
    expect(() => liarWriter.dispose({ id: 'a', seq: 1, text: '' })).toThrow(DdsTypeError);
    expect(() => liarWriter.writeDispose({ id: 'a', seq: 1, text: '' })).toThrow(DdsTypeError);
    const broken = { ...KeyedType, encode: () => [0, 1, 0, 0] as unknown as Uint8Array };
    const brokenWriter = pp.createWriter(pp.createTopic(topic.name, broken));
    expect(() => brokenWriter.write({ id: 'a', seq: 1, text: '' })).toThrow(
      new TypeError('TypeSupport.encode must return a Uint8Array'),
    );
    // A failed write leaves the writer usable.
    writer.write({ id: 'a', seq: 1, text: 'fine' });
    expect(reader.take().map((s) => s.data)).toEqual([{ id: 'a', seq: 1, text: 'fine' }]);
  });

  it('close is idempotent, cascades to children, and use after close throws DdsAlreadyDeletedError', async () => {
    const pub = pp.createPublisher();
    const writer = pub.createWriter(topic);
    const reader = pp.createReader(topic);
    writer.close();
    writer.close();
    expect(writer.closed).toBe(true);
    expect(() => writer.write({ id: 'a', seq: 1, text: '' })).toThrow(DdsAlreadyDeletedError);
    expect(() => pub.createWriter(topic)).not.toThrow();
    await expect(writer.waitForAcks()).rejects.toBeInstanceOf(DdsAlreadyDeletedError);
    // Closing a topic in use only closes the handle: Cyclone keeps it for its readers/writers.
    const survivor = pp.createWriter(topic);
    topic.close();
    expect(topic.closed).toBe(true);
    survivor.write({ id: 'b', seq: 2, text: 'still works' });
    expect(reader.take().map((s) => s.data?.id)).toEqual(['b']);
    expect(() => pp.createWriter(topic)).toThrow(new DdsAlreadyDeletedError('topic is closed'));
    pp.close();
    pp.close();
    for (const e of [pp, pub, reader, topic]) expect(e.closed).toBe(true);
    expect(() => reader.take()).toThrow(new DdsAlreadyDeletedError('reader is closed'));
    expect(() => pp.createTopic('again', KeylessType)).toThrow(DdsAlreadyDeletedError);
  });

  it('supports await using', async () => {
    let reader;
    {
      await using scoped = new DomainParticipant({ domainId: DOMAIN });
      reader = scoped.createReader(scoped.createTopic(uniqueTopic('lc/using'), KeylessType));
      expect(reader.closed).toBe(false);
    }
    expect(reader.closed).toBe(true);
  });

  it.each(['natural', 'exit'])(
    'a process that ends (%s) with open entities and pending samples exits cleanly',
    async (mode) => {
      const child = spawn(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          join(__dirname, 'peers', 'exit.peer.ts'),
          String(DOMAIN),
          uniqueTopic('lc/exit'),
          mode,
        ],
        { cwd: WORKSPACE, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const [code, signal] = await once(child, 'exit');
      expect({ code, signal, err }).toEqual({ code: 0, signal: null, err: '' });
      expect(out).toBe('written\n');
    },
  );

  it('a reader with a data listener keeps its process alive until it is closed', async () => {
    const name = uniqueTopic('lc/listen');
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        join(__dirname, 'peers', 'exit.peer.ts'),
        String(DOMAIN),
        name,
        'listen',
      ],
      { cwd: WORKSPACE, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    const exited = once(child, 'exit');
    const writer = pp.createWriter(pp.createTopic(`${name}/inbox`, KeylessType), {
      reliability: { kind: 'reliable' },
      durability: 'transient-local',
    });
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('listening\n')) resolve();
      }),
    );
    await writer.waitForMatch({ timeoutMs: 15000 });
    writer.write({ seq: 1, text: 'wake up' });
    const [code] = await exited;
    expect(code).toBe(0);
    expect(out).toBe('listening\nwoken\n');
  });
});
