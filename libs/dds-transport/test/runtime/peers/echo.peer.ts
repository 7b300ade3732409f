/**
 * Child process for the two-process tests: echoes every sample of `<topic>/ping` on
 * `<topic>/pong` (seq + 1000, same source timestamp), and with `--liveliness-ms` (automatic) or `--manual-liveliness-ms`
 * (manual by topic; a ping with text `write-alive` writes on it, which asserts it) writes a greeting on
 * `<topic>/alive` with that liveliness lease. Prints `ready` once its endpoints exist.
 * Usage: node -r @swc-node/register echo.peer.ts <domainId> <topic> [--liveliness-ms N | --manual-liveliness-ms N]
 */
import { DomainParticipant } from '../../../src';
import { KeylessType, type Keyless } from '../../../tmp/generated/runtime/runtime-types';

async function main(): Promise<void> {
  const [domain, topicName, flag, lease] = process.argv.slice(2);
  const pp = new DomainParticipant({ domainId: Number(domain) });
  const reliable = {
    reliability: { kind: 'reliable' as const },
    history: { kind: 'keep-all' as const },
  };
  const ping = pp.createReader(pp.createTopic(`${topicName}/ping`, KeylessType), reliable);
  const pong = pp.createWriter(pp.createTopic(`${topicName}/pong`, KeylessType), reliable);
  let alive: ReturnType<typeof pp.createWriter<Keyless>> | undefined;
  if (flag === '--liveliness-ms' || flag === '--manual-liveliness-ms') {
    alive = pp.createWriter(pp.createTopic(`${topicName}/alive`, KeylessType), {
      ...reliable,
      // Transient-local so the greeting reaches a reader that matches after it was written.
      durability: 'transient-local',
      liveliness: {
        kind: flag === '--liveliness-ms' ? 'automatic' : 'manual-by-topic',
        leaseMs: Number(lease),
      },
    });
    alive.write({ seq: 0, text: 'hello' });
  }
  // The parent closing our stdin ends the peer (closing the participant ends the loop below).
  process.stdin.on('end', () => pp.close());
  process.stdin.resume();
  process.stdout.write('ready\n');
  for await (const s of ping) {
    if (!s.data) continue;
    if (s.data.text === 'exit') break;
    if (s.data.text === 'write-alive') alive?.write({ seq: 1, text: 'again' });
    // The pong carries the ping's source timestamp, so the parent sees what it wrote cross the
    // wire twice.
    pong.write(
      { seq: s.data.seq + 1000, text: `echo:${s.data.text}` },
      { timestamp: s.info.sourceTimestamp },
    );
  }
  await pong.waitForAcks(5000);
  pp.close();
  process.stdin.destroy();
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
