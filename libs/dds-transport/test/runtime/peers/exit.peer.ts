/**
 * Child process for the lifecycle test: creates entities with pending samples, listeners and an
 * unref'd reader, then lets the process end without closing anything (or calls process.exit when
 * asked). The environment teardown must delete everything without crashing or hanging.
 * Usage: node -r @swc-node/register exit.peer.ts <domainId> <topic> <natural|exit|listen>
 */
import { DomainParticipant } from '../../../src';
import { KeylessType } from '../../../tmp/generated/runtime/runtime-types';

const [domain, topicName, mode] = process.argv.slice(2);
const pp = new DomainParticipant({ domainId: Number(domain) });
const topic = pp.createTopic(topicName, KeylessType);
const reliable = {
  reliability: { kind: 'reliable' as const },
  history: { kind: 'keep-all' as const },
};
const reader = pp.createReader(topic, reliable);
const writer = pp.createWriter(topic, reliable);
for (let i = 0; i < 100; i++) writer.write({ seq: i, text: 'pending' });
if (mode === 'listen') {
  // A 'data' listener keeps the process alive until a sample from the parent arrives; closing
  // the participant then lets the process end.
  const inbox = pp.createReader(pp.createTopic(`${topicName}/inbox`, KeylessType), reliable);
  inbox.on('data', () => {
    const got = inbox.take().find((s) => s.data?.text === 'wake up');
    if (!got) return;
    process.stdout.write('woken\n');
    pp.close();
  });
  process.stdout.write('listening\n');
} else {
  // A listener would keep the process alive; unref() says it should not.
  reader.on('data', () => undefined).unref();
  process.stdout.write('written\n');
  if (mode === 'exit') process.exit(0);
}
