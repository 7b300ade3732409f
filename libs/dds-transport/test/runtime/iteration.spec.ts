import { DomainParticipant, toObservable, type Qos, type Sample } from '../../src';
import { firstValueFrom, take, toArray } from 'rxjs';
import { KeylessType, type Keyless } from '../../tmp/generated/runtime/runtime-types';
import { nextEvent, uniqueTopic } from './runtime-test.helpers';

const DOMAIN = 15;
const reliable: Qos = { reliability: { kind: 'reliable' }, history: { kind: 'keep-all' } };

describe('async iteration and rxjs (domain 15)', () => {
  let pp: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(() => pp.close());

  it('for await yields samples written before and after the loop starts, in order', async () => {
    const topic = pp.createTopic(uniqueTopic('it/for_await'), KeylessType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    writer.write({ seq: 0, text: 'before' });
    const seen: number[] = [];
    const loop = (async () => {
      for await (const s of reader) {
        seen.push(s.data!.seq);
        if (seen.length === 1) for (let i = 1; i < 10; i++) writer.write({ seq: i, text: 'after' });
        if (seen.length === 10) break;
      }
    })();
    await loop;
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Breaking out leaves later samples in the reader for the next consumer.
    writer.write({ seq: 10, text: 'left over' });
    expect(reader.take().map((s) => s.data?.seq)).toEqual([10]);
  });

  it('for await ends when the reader is closed while waiting', async () => {
    const topic = pp.createTopic(uniqueTopic('it/close'), KeylessType);
    const reader = pp.createReader(topic, reliable);
    const got: Sample<Keyless>[] = [];
    const loop = (async () => {
      for await (const s of reader) got.push(s);
      return 'ended';
    })();
    // Let the loop reach its wait before closing.
    await new Promise<void>((resolve) => setImmediate(resolve));
    reader.close();
    await expect(loop).resolves.toBe('ended');
    expect(got).toEqual([]);
  });

  it('for await ends when the participant closes', async () => {
    const topic = pp.createTopic(uniqueTopic('it/pp_close'), KeylessType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    writer.write({ seq: 1, text: '' });
    const seen: number[] = [];
    for await (const s of reader) {
      seen.push(s.data!.seq);
      pp.close();
    }
    expect(seen).toEqual([1]);
    expect(reader.closed).toBe(true);
  });

  it('toObservable emits samples as they arrive and completes when the reader closes', async () => {
    const topic = pp.createTopic(uniqueTopic('it/rx'), KeylessType);
    const reader = pp.createReader(topic, reliable);
    const writer = pp.createWriter(topic, reliable);
    writer.write({ seq: 1, text: 'a' });
    const firstThree = firstValueFrom(toObservable(reader).pipe(take(3), toArray()));
    writer.write({ seq: 2, text: 'b' });
    writer.write({ seq: 3, text: 'c' });
    expect((await firstThree).map((s) => s.data?.text)).toEqual(['a', 'b', 'c']);

    const all = firstValueFrom(toObservable(reader).pipe(toArray()));
    const arrived = nextEvent(reader, 'data');
    writer.write({ seq: 4, text: 'd' });
    // The observable's own doorbell listener runs before ours, so it has taken the sample now.
    await arrived;
    reader.close();
    expect((await all).map((s) => s.data?.seq)).toEqual([4]);
  });
});
