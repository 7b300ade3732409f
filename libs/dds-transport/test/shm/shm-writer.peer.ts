/**
 * Child process for the shared-memory test: a participant whose CycloneDDS configuration turns
 * iceoryx shared memory on (RouDi runs in the parent), one writer that qualifies for it and one
 * that does not (keep-all history). Prints what happened to each as one JSON line.
 * Usage: node -r @swc-node/register shm-writer.peer.ts <domainId> <topic>
 */
import { DdsError, DomainParticipant } from '../../src';
import { KeylessType } from '../../tmp/generated/runtime/runtime-types';

const SHM_CONFIG = `<CycloneDDS><Domain Id="any">
  <General><Interfaces><NetworkInterface name="lo"/></Interfaces><AllowMulticast>false</AllowMulticast></General>
  <Discovery><Peers><Peer address="127.0.0.1"/></Peers></Discovery>
  <SharedMemory><Enable>true</Enable><LogLevel>error</LogLevel></SharedMemory>
</Domain></CycloneDDS>`;

const [domain, topicName] = process.argv.slice(2);
const pp = new DomainParticipant({ domainId: Number(domain), config: SHM_CONFIG });
const topic = pp.createTopic(topicName, KeylessType);
const attempt = (qos: Parameters<typeof pp.createWriter>[1]) => {
  try {
    pp.createWriter(topic, qos).close();
    return { created: true };
  } catch (err) {
    return err instanceof DdsError
      ? { created: false, codeName: err.codeName, message: err.message }
      : { created: false, unexpected: String(err) };
  }
};
const result = {
  keepLast: attempt({
    reliability: { kind: 'reliable' },
    history: { kind: 'keep-last', depth: 1 },
  }),
  keepAll: attempt({ reliability: { kind: 'reliable' }, history: { kind: 'keep-all' } }),
};
pp.close();
process.stdout.write(JSON.stringify(result) + '\n');
