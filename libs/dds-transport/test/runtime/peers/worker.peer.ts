/**
 * worker_threads body for the worker test: loads the addon in its own environment, writes
 * `count` samples on `topic` once matched, reports, and stays alive (with its entities open) until
 * terminated, so that the environment teardown has to delete them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DomainParticipant } from '../../../src';
import { KeylessType } from '../../../tmp/generated/runtime/runtime-types';

async function main(): Promise<void> {
  const { domainId, topic, count, label } = workerData as {
    domainId: number;
    topic: string;
    count: number;
    label: string;
  };
  const pp = new DomainParticipant({ domainId });
  const writer = pp.createWriter(pp.createTopic(topic, KeylessType), {
    reliability: { kind: 'reliable' },
    history: { kind: 'keep-all' },
  });
  await writer.waitForMatch({ timeoutMs: 15000 });
  for (let i = 0; i < count; i++) writer.write({ seq: i, text: label });
  await writer.waitForAcks(10000);
  // Deliberately no close(): the worker's environment teardown must delete its entities. The
  // message listener keeps the worker alive until the parent terminates it.
  parentPort!.on('message', () => undefined);
  parentPort!.postMessage('done');
}

main().catch((e) => {
  parentPort!.postMessage(`error: ${e instanceof Error ? e.message : String(e)}`);
});
