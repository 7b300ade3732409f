import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  DomainParticipant,
  type LivelinessChangedStatus,
  type SubscriptionMatchedStatus,
} from '../../src';
import { KeylessType } from '../../tmp/generated/runtime/runtime-types';
import { takeN, uniqueTopic, waitForEvent } from './runtime-test.helpers';

const DOMAIN = 16;
const PEER = join(__dirname, 'peers', 'worker.peer.ts');

function startWorker(topic: string, count: number, label: string): Worker {
  return new Worker(PEER, {
    execArgv: ['-r', '@swc-node/register'],
    workerData: { domainId: DOMAIN, topic, count, label },
  });
}

describe('worker_threads (domain 16)', () => {
  let pp: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(() => pp.close());

  it('two workers load the addon, publish, and their teardown deletes only their own entities', async () => {
    const topic = uniqueTopic('wk/publish');
    const reader = pp.createReader(pp.createTopic(topic, KeylessType), {
      reliability: { kind: 'reliable' },
      history: { kind: 'keep-all' },
    });
    const a = startWorker(topic, 10, 'a');
    const b = startWorker(topic, 10, 'b');
    const [[msgA], [msgB]] = await Promise.all([once(a, 'message'), once(b, 'message')]);
    expect([msgA, msgB]).toEqual(['done', 'done']);
    const got = await takeN(reader, 20);
    expect(got.filter((s) => s.data?.text === 'a').map((s) => s.data?.seq)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(got.filter((s) => s.data?.text === 'b').map((s) => s.data?.seq)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);

    // Terminating worker a deletes its writer (the match count drops) but not worker b's.
    const unmatched = waitForEvent<SubscriptionMatchedStatus>(
      reader,
      'subscription-matched',
      (s) => s.currentCount === 1,
    );
    await a.terminate();
    await unmatched;
    expect(reader.matchedCount()).toBe(1);
    const gone = waitForEvent<LivelinessChangedStatus>(
      reader,
      'liveliness-changed',
      (s) => s.aliveCount === 0,
    );
    await b.terminate();
    await gone;
    expect(reader.matchedCount()).toBe(0);
    // The main thread's own entities are untouched.
    expect(reader.closed).toBe(false);
    expect(reader.take()).toEqual(expect.any(Array));
  });
});
