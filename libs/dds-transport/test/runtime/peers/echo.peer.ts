/**
 * Child process for the two-process tests: echoes every sample of `<topic>/ping` on
 * `<topic>/pong` (seq + 1000), and with `--liveliness-ms` writes a heartbeat on `<topic>/alive`
 * with that liveliness lease. Prints `ready` once its endpoints exist.
 * Usage: node -r @swc-node/register echo.peer.ts <domainId> <topic> [--liveliness-ms N]
 */
import { DomainParticipant } from '../../../src';
import { KeylessType } from '../../../tmp/generated/runtime/runtime-types';

async function main(): Promise<void> {
  const [domain, topicName, flag, lease] = process.argv.slice(2);
  const pp = new DomainParticipant({ domainId: Number(domain) });
  const reliable = {
    reliability: { kind: 'reliable' as const },
    history: { kind: 'keep-all' as const },
  };
  const ping = pp.createReader(pp.createTopic(`${topicName}/ping`, KeylessType), reliable);
  const pong = pp.createWriter(pp.createTopic(`${topicName}/pong`, KeylessType), reliable);
  if (flag === '--liveliness-ms') {
    const alive = pp.createWriter(pp.createTopic(`${topicName}/alive`, KeylessType), {
      ...reliable,
      // Transient-local so the greeting reaches a reader that matches after it was written.
      durability: 'transient-local',
      liveliness: { kind: 'automatic', leaseMs: Number(lease) },
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
    pong.write({ seq: s.data.seq + 1000, text: `echo:${s.data.text}` });
  }
  await pong.waitForAcks(5000);
  pp.close();
  process.stdin.destroy();
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
