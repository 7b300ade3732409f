import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { uniqueTopic } from '../runtime/runtime-test.helpers';

/**
 * A writer that would go through iceoryx shared memory is refused with a typed error: its
 * pre-serialized samples would never reach readers that use shared memory too (CycloneDDS 0.10;
 * the bench's `shm` section shows the loss). RouDi (Debian's iceoryx, installed by tools/setup)
 * runs for the test; the participant lives in a child process, which RouDi outlives. Domain 118.
 */
const DOMAIN = '118';
const WORKSPACE = join(__dirname, '..', '..', '..', '..');
const PEER = join(__dirname, 'shm-writer.peer.ts');

async function startRouDi(): Promise<ChildProcess> {
  const roudi = spawn('iox-roudi', ['-l', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    roudi.once('error', reject);
    roudi.once('exit', (code) => reject(new Error(`iox-roudi exited with ${code}`)));
    createInterface({ input: roudi.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.includes('RouDi is ready for clients')) resolve();
    });
  });
  return roudi;
}

describe('@dds/transport under iceoryx shared memory', () => {
  let roudi: ChildProcess;
  beforeAll(async () => {
    roudi = await startRouDi();
  });
  afterAll(async () => {
    if (roudi.exitCode !== null || roudi.signalCode !== null) return;
    const exited = once(roudi, 'exit');
    roudi.kill('SIGINT');
    await exited;
  });

  it('refuses a writer that would use shared memory, and creates one that would not', async () => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', PEER, DOMAIN, uniqueTopic('shm/refused')],
      { cwd: WORKSPACE, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const result = JSON.parse(out.trim()) as Record<string, Record<string, unknown>>;
    expect(result['keepLast']).toEqual({
      created: false,
      codeName: 'DDS_RETCODE_UNSUPPORTED',
      message: expect.stringMatching(
        /^createWriter failed: DDS_RETCODE_UNSUPPORTED \(.*shared memory.*SharedMemory off/,
      ),
    });
    // Keep-all history does not qualify for iceoryx: that writer goes over UDP and works.
    expect(result['keepAll']).toEqual({ created: true });
  });
});
