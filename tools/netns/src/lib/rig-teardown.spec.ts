import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MultihostFleet, ROOT } from './multihost.fleet';
import { listRigs, NetnsRig, OWNER_DIR } from './netns.rig';

/** Prints the rig's `<prefix>-<runId>` once built, then idles until a signal ends it. */
const OWNER = `
const { NetnsRig } = require(${JSON.stringify(join(__dirname, 'netns.rig'))});
const rig = NetnsRig.create({ hosts: ['own'] });
console.log(rig.prefix + '-' + rig.runId);
setInterval(() => {}, 1000);
`;

/** A separate process that owns a rig; resolves with it and the rig's name once built. */
async function rigOwner() {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', OWNER], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [base] = (await once(lines, 'line')) as [string];
  lines.close();
  return { child, base };
}

function linkExists(name: string): boolean {
  try {
    execFileSync('ip', ['link', 'show', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('rig teardown (root)', () => {
  it('a rig owner that gets SIGHUP tears its rig down', async () => {
    const { child, base } = await rigOwner();
    expect(listRigs()).toContain(base);
    const exit = once(child, 'exit');
    child.kill('SIGHUP');
    const [, signal] = (await exit) as [number | null, NodeJS.Signals | null];
    // It re-raises the signal after the teardown: its parent still sees it end by SIGHUP.
    expect(signal).toBe('SIGHUP');
    expect(listRigs()).not.toContain(base);
    expect(existsSync(join(OWNER_DIR, base))).toBe(false);
  });

  it("the next rig reaps a SIGKILLed owner's namespaces and caller link, and leaves a live owner's", async () => {
    const dead = await rigOwner();
    const alive = await rigOwner();
    try {
      const exit = once(dead.child, 'exit');
      dead.child.kill('SIGKILL');
      await exit;
      // SIGKILL runs no exit hook: everything is still there.
      expect(listRigs()).toEqual(expect.arrayContaining([dead.base, alive.base]));
      const rig = NetnsRig.create({ hosts: ['new'] });
      try {
        const rigs = listRigs();
        expect(rigs).not.toContain(dead.base);
        expect(rigs).toContain(alive.base);
        expect(existsSync(join(OWNER_DIR, dead.base))).toBe(false);
        expect(linkExists(`${dead.base}-c`)).toBe(false);
        expect(linkExists(`${alive.base}-c`)).toBe(true);
      } finally {
        rig.destroy();
      }
    } finally {
      const exit = once(alive.child, 'exit');
      alive.child.kill('SIGTERM');
      await exit;
    }
    expect(listRigs()).not.toContain(alive.base);
  });

  it('MultihostFleet.destroy tears the rig down even when stopping a process fails', async () => {
    const fleet = MultihostFleet.create({ domain: 180, hosts: ['a1'], discovery: 'multicast' });
    const base = `${fleet.rig.prefix}-${fleet.rig.runId}`;
    const proc = fleet.spawnNode('a1', ['-e', 'setInterval(() => {}, 1000)']);
    const exited = once(proc.child, 'exit');
    // A stop that fails (e.g. a process that cannot be signalled).
    fleet.stop = () => Promise.reject(new Error('stop failed'));
    await expect(fleet.destroy()).rejects.toThrow('stop failed');
    expect(listRigs()).not.toContain(base);
    expect(existsSync(fleet.dir)).toBe(false);
    // The rig killed what was left in its namespaces.
    await exited;
  });
});
