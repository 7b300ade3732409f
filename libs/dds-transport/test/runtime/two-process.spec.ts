import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { DomainParticipant, type LivelinessChangedStatus, type Qos } from '../../src';
import { KeylessType } from '../../tmp/generated/runtime/runtime-types';
import { takeN, uniqueTopic, waitForEvent } from './runtime-test.helpers';

const DOMAIN = 13;
const WORKSPACE = join(__dirname, '..', '..', '..', '..');
const PEER = join(__dirname, 'peers', 'echo.peer.ts');
const reliable: Qos = { reliability: { kind: 'reliable' }, history: { kind: 'keep-all' } };

/** Starts the echo peer and resolves once it printed `ready`. */
async function startPeer(topic: string, ...extra: string[]): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', PEER, String(DOMAIN), topic, ...extra],
    {
      cwd: WORKSPACE,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await Promise.race([
    new Promise<void>((resolve) => {
      const onData = (d: Buffer): void => {
        out += d.toString();
        if (!out.includes('\n')) return;
        child.stdout!.off('data', onData);
        resolve();
      };
      child.stdout!.on('data', onData);
    }),
    once(child, 'exit').then(([code]) => {
      throw new Error(`peer exited with ${code} before ready`);
    }),
  ]);
  expect(out).toBe('ready\n');
  return child;
}

describe('two Node processes over DDS (domain 13)', () => {
  let pp: DomainParticipant;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
    pp.close();
  });

  it('exchanges samples with a child process in both directions, source timestamps to the ns', async () => {
    const topic = uniqueTopic('proc/echo');
    child = await startPeer(topic);
    const ping = pp.createWriter(pp.createTopic(`${topic}/ping`, KeylessType), reliable);
    const pong = pp.createReader(pp.createTopic(`${topic}/pong`, KeylessType), reliable);
    await Promise.all([
      ping.waitForMatch({ timeoutMs: 15000 }),
      pong.waitForMatch({ timeoutMs: 15000 }),
    ]);
    // One synchronous burst: packed into few messages and sent when this code yields (no flush()).
    // Odd nanoseconds: RTPS carries 2^-32 s fractions, which must round-trip to the same ns.
    const stamp = (i: number): bigint => 1_234_567_890_123_456_789n + BigInt(i) * 1_000_001n;
    for (let i = 0; i < 20; i++) ping.write({ seq: i, text: `m${i}` }, { timestamp: stamp(i) });
    const got = await takeN(pong, 20, 15000);
    expect(got.map((s) => s.data)).toEqual(
      Array.from({ length: 20 }, (_, i) => ({ seq: i + 1000, text: `echo:m${i}` })),
    );
    expect(got.map((s) => s.info.sourceTimestamp)).toEqual(
      Array.from({ length: 20 }, (_, i) => stamp(i)),
    );
    const exited = once(child, 'exit');
    ping.write({ seq: 0, text: 'exit' });
    expect((await exited)[0]).toBe(0);
  });

  it('sees a SIGKILLed writer process lose liveliness within its 1 s lease', async () => {
    const topic = uniqueTopic('proc/liveliness');
    const reader = pp.createReader(pp.createTopic(`${topic}/alive`, KeylessType), {
      ...reliable,
      durability: 'transient-local',
      liveliness: { kind: 'automatic', leaseMs: 1000 },
    });
    const alive = waitForEvent<LivelinessChangedStatus>(
      reader,
      'liveliness-changed',
      (s) => s.aliveCount === 1,
      15000,
    );
    child = await startPeer(topic, '--liveliness-ms', '1000');
    await alive;
    const [hello] = await takeN(reader, 1, 15000);
    expect(hello.data?.text).toBe('hello');

    const lost = waitForEvent<LivelinessChangedStatus>(
      reader,
      'liveliness-changed',
      (s) => s.notAliveCount === 1,
      5000,
    );
    const killedAt = Date.now();
    child.kill('SIGKILL');
    const status = await lost;
    const elapsed = Date.now() - killedAt;
    expect(status.aliveCount).toBe(0);
    expect(status.notAliveCountChange).toBeGreaterThanOrEqual(1);
    // Lease 1 s plus margin for a busy 2-core machine.
    expect(elapsed).toBeLessThan(2500);
  });

  it('sees a live process with manual liveliness go not-alive when its writer falls silent, and back when it writes', async () => {
    const topic = uniqueTopic('proc/manual');
    const reader = pp.createReader(pp.createTopic(`${topic}/alive`, KeylessType), {
      ...reliable,
      durability: 'transient-local',
      liveliness: { kind: 'manual-by-topic', leaseMs: 500 },
    });
    const ping = pp.createWriter(pp.createTopic(`${topic}/ping`, KeylessType), reliable);
    const alive = waitForEvent<LivelinessChangedStatus>(
      reader,
      'liveliness-changed',
      (s) => s.aliveCount === 1,
      15000,
    );
    child = await startPeer(topic, '--manual-liveliness-ms', '500');
    await alive;
    // The greeting asserted liveliness once; without more writes it lapses while the process lives on.
    const lapsed = await waitForEvent<LivelinessChangedStatus>(
      reader,
      'liveliness-changed',
      (s) => s.notAliveCount === 1,
      5000,
    );
    expect(lapsed.aliveCount).toBe(0);
    expect(child.exitCode).toBeNull();
    await ping.waitForMatch({ timeoutMs: 15000 });
    const back = waitForEvent<LivelinessChangedStatus>(
      reader,
      'liveliness-changed',
      (s) => s.aliveCount === 1,
      5000,
    );
    ping.write({ seq: 1, text: 'write-alive' });
    expect((await back).notAliveCount).toBe(0);
  });
});
