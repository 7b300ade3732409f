import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A command of iproute2 failed. */
export class NetnsError extends Error {
  override name = 'NetnsError';
  constructor(
    readonly command: readonly string[],
    readonly stderr: string,
  ) {
    super(`${command.join(' ')}: ${stderr.trim() || 'failed'}`);
  }
}

function run(cmd: string, args: readonly string[], allowFail = false): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (allowFail) return '';
    const err = e as { stderr?: string; message: string };
    throw new NetnsError([cmd, ...args], err.stderr || err.message);
  }
}

const ip = (...args: string[]) => run('ip', args);

/** Every name a rig creates starts with this (then the run id). */
export const DEFAULT_PREFIX = 'sec';

/** Options of {@link NetnsRig.create}. */
export interface RigOptions {
  /** Host names (short, `[a-z0-9]`, at most 6 characters), e.g. `['gw', 'a1', 'a2']`. */
  readonly hosts: readonly string[];
  /** Name prefix (default `sec`); names are `<prefix>-<runId>-<host>`. */
  readonly prefix?: string;
  /** Run id (default 4 random hex digits): makes the names unique per run. */
  readonly runId?: string;
  /**
   * Also connect the calling process's own network namespace to the bridge (address `.254`),
   * so a test can reach the hosts' sockets directly (an HTTP client, an SDK). Default true.
   */
  readonly attachCaller?: boolean;
  /** Kill processes, delete namespaces and links when this process exits. Default true. */
  readonly cleanupOnExit?: boolean;
}

/** One simulated host: a network namespace with `eth0` on the rig's bridge. */
export interface RigHost {
  readonly name: string;
  /** The network namespace (`ip netns exec <netns> …`). */
  readonly netns: string;
  /** Its IPv4 address on the bridge. */
  readonly address: string;
}

/** A running capture of the bridge's traffic. */
export interface Capture {
  /** Ends the capture and returns the pcap bytes. */
  stop(): Promise<Buffer>;
}

/** Link impairment, applied with `tc netem` on a host's outgoing traffic. */
export interface Impairment {
  readonly delayMs?: number;
  readonly jitterMs?: number;
  /** Percent of packets dropped, 0..100. */
  readonly lossPercent?: number;
}

const HOST_NAME = /^[a-z0-9]{1,6}$/;

/**
 * The userspace delayer (tools/netns/delayer/netns-delay.c, built by `nx run
 * netns:build-native` into dist/): the rig's delay where the kernel has no sch_netem.
 */
export const DELAYER = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'dist',
  'tools',
  'netns',
  'netns-delay',
);
/** The NFQUEUE queue the delayer reads; queues are per network namespace, so one number does. */
const DELAY_QUEUE = 0;
const live = new Set<NetnsRig>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' runs synchronous code only, which is what teardown is (execFileSync).
  process.on('exit', () => {
    for (const rig of live) rig.destroy();
  });
  // SIGHUP too: a closed terminal (or ssh session) must not leave the namespaces behind.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const rig of live) rig.destroy();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Where each rig that tears down on exit records its owner (`<prefix>-<runId>` holding the
 * owner's pid and process start time): names have no room for a pid (interface names are at most
 * 15 characters), and a SIGKILLed owner runs no exit hook, so the next rig reaps by these files.
 */
export const OWNER_DIR = '/run/dds-netns';

/** The start time of process `pid` (clock ticks since boot), or undefined when it is gone. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command (field 2) is parenthesised and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownerMark(): string {
  return `${process.pid} ${startTime(process.pid) ?? ''}`;
}

/** Whether the owner recorded as `mark` still runs (the same process, not a reused pid). */
function ownerAlive(mark: string): boolean {
  const [pid, started] = mark.trim().split(' ');
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 && startTime(n) === started;
}

/**
 * Removes the rigs whose owner process died without tearing down (SIGKILL, a crash in native
 * code): their namespaces with the processes in them, and caller-side links. Rigs without an
 * owner file (made by `netns up` to outlive its command) are left alone. Returns what it removed.
 */
export function reapOrphanRigs(): string[] {
  let files: string[];
  try {
    files = readdirSync(OWNER_DIR);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const present = run('ip', ['netns', 'list'], true)
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);
  for (const base of files) {
    if (!/^[a-z][a-z0-9]{0,5}-[a-z0-9]{1,6}$/.test(base)) continue;
    let mark: string;
    try {
      mark = readFileSync(join(OWNER_DIR, base), 'utf8');
    } catch {
      continue;
    }
    if (ownerAlive(mark)) continue;
    const namespaces = present.filter((n) => n.startsWith(`${base}-`));
    removeNamespaces(namespaces);
    removed.push(...namespaces);
    if (run('ip', ['link', 'show', `${base}-c`], true) !== '') {
      run('ip', ['link', 'del', `${base}-c`], true);
      removed.push(`${base}-c`);
    }
    rmSync(join(OWNER_DIR, base), { force: true });
  }
  return removed;
}

/**
 * N hosts as Linux network namespaces on one bridge (root required). The bridge lives in a
 * namespace of its own (`<prefix>-<run>-sw`), so nothing the hosts send reaches any other network;
 * each host gets a veth pair (`eth0` inside, `<host>` on the switch) and an address in
 * 198.18.0.0/15, the range RFC 2544 sets aside for benchmarking networks. Multicast flows on the
 * bridge (snooping off), as on a plain switch.
 *
 * `destroy()` kills every process still in the rig's namespaces and deletes them, which deletes
 * the veths and the bridge; it also runs on process exit. {@link cleanupRigs} removes leftovers
 * of crashed runs by prefix.
 */
export class NetnsRig {
  readonly prefix: string;
  readonly runId: string;
  readonly hosts: ReadonlyMap<string, RigHost>;
  /** The bridge's namespace. */
  readonly switchNetns: string;
  /** `/24` network of the rig, e.g. `198.18.37`. */
  readonly subnet: string;
  /** The caller's address on the bridge when attached (`<subnet>.254`). */
  readonly callerAddress: string | undefined;
  private readonly callerLink: string | undefined;
  private destroyed = false;
  private readonly children = new Set<ChildProcess>();

  private constructor(o: RigOptions, runId: string, subnet: string) {
    this.prefix = o.prefix ?? DEFAULT_PREFIX;
    this.runId = runId;
    this.subnet = subnet;
    const base = `${this.prefix}-${runId}`;
    this.switchNetns = `${base}-sw`;
    this.hosts = new Map(
      o.hosts.map((h, i) => [
        h,
        { name: h, netns: `${base}-${h}`, address: `${subnet}.${i + 1}` } satisfies RigHost,
      ]),
    );
    const attach = o.attachCaller ?? true;
    this.callerLink = attach ? `${base}-c` : undefined;
    this.callerAddress = attach ? `${subnet}.254` : undefined;
  }

  /** Builds the rig. On any failure it removes what it had created and rethrows. */
  static create(o: RigOptions): NetnsRig {
    if (o.hosts.length === 0 || o.hosts.length > 200) throw new RangeError('1..200 hosts');
    for (const h of o.hosts) {
      if (!HOST_NAME.test(h)) throw new TypeError(`host name "${h}" must be 1-6 of [a-z0-9]`);
      if (h === 'sw' || h === 'c') throw new TypeError(`host name "${h}" is reserved`);
    }
    if (new Set(o.hosts).size !== o.hosts.length) throw new TypeError('host names must be unique');
    const runId = o.runId ?? randomBytes(2).toString('hex');
    const prefix = o.prefix ?? DEFAULT_PREFIX;
    if (!/^[a-z][a-z0-9]{0,5}$/.test(prefix)) throw new TypeError('prefix: 1-6 of [a-z0-9]');
    if (!/^[a-z0-9]{1,6}$/.test(runId)) throw new TypeError('runId: 1-6 of [a-z0-9]');
    // Leftovers of owners that died without teardown hold addresses and multicast: gone first.
    reapOrphanRigs();
    const rig = new NetnsRig(o, runId, pickSubnet());
    if (o.cleanupOnExit ?? true) {
      installExitHook();
      live.add(rig);
      mkdirSync(OWNER_DIR, { recursive: true });
      writeFileSync(rig.ownerFile, ownerMark());
    }
    try {
      rig.build();
    } catch (e) {
      rig.destroy();
      throw e;
    }
    return rig;
  }

  /**
   * Reopens a rig another process created (`<prefix>-<runId>`, as `netns up` printed it), for
   * commands by hand. The result does not tear down on exit.
   */
  static open(base: string): NetnsRig {
    const m = /^([a-z][a-z0-9]{0,5})-([a-z0-9]{1,6})$/.exec(base);
    if (!m) throw new TypeError(`"${base}" is not a rig name (<prefix>-<runId>)`);
    const namespaces = run('ip', ['netns', 'list'], true)
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter((n) => n?.startsWith(`${base}-`) && n !== `${base}-sw`);
    if (!namespaces.length) throw new Error(`no rig ${base}`);
    const addrs = namespaces.map((ns) => {
      const out = run('ip', ['-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'], true);
      return { ns, address: /inet (\S+)\//.exec(out)?.[1] ?? '' };
    });
    const subnet = addrs[0].address.split('.').slice(0, 3).join('.');
    const hosts = addrs
      .sort((a, b) => Number(a.address.split('.')[3]) - Number(b.address.split('.')[3]))
      .map((a) => a.ns.slice(base.length + 1));
    const attached = run('ip', ['link', 'show', `${base}-c`], true) !== '';
    const rig = new NetnsRig({ hosts, prefix: m[1], attachCaller: attached }, m[2], subnet);
    return rig;
  }

  private build(): void {
    const sw = this.switchNetns;
    ip('netns', 'add', sw);
    ip('-n', sw, 'link', 'set', 'lo', 'up');
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    for (const h of this.hosts.values()) {
      ip('netns', 'add', h.netns);
      ip('-n', h.netns, 'link', 'set', 'lo', 'up');
      ip('-n', sw, 'link', 'add', h.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns);
      ip('-n', sw, 'link', 'set', h.name, 'master', 'br0', 'up');
      ip('-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0');
      ip('-n', h.netns, 'link', 'set', 'eth0', 'up', 'multicast', 'on');
      // Multicast (CycloneDDS's SPDP) leaves through eth0: the only route there is.
      ip('-n', h.netns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
    }
    if (this.callerLink && this.callerAddress) {
      ip('link', 'add', this.callerLink, 'type', 'veth', 'peer', 'name', 'c', 'netns', sw);
      ip('-n', sw, 'link', 'set', 'c', 'master', 'br0', 'up');
      ip('addr', 'add', `${this.callerAddress}/24`, 'dev', this.callerLink);
      ip('link', 'set', this.callerLink, 'up');
    }
  }

  /** The host called `name` (throws for an unknown one). */
  host(name: string): RigHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host "${name}" in rig ${this.prefix}-${this.runId}`);
    return h;
  }

  /**
   * Starts `command` inside host `name`'s namespace (`ip netns exec`). The child is killed by
   * `destroy()` if still running.
   */
  spawn(
    name: string,
    command: string,
    args: readonly string[],
    options: SpawnOptions = {},
  ): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.host(name).netns, command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /**
   * Captures what crosses the bridge (`tcpdump -i br0` in the switch namespace) into `file`,
   * packet-buffered; resolves once tcpdump listens. `stop()` ends it and resolves with the
   * capture's bytes (a pcap file: searching it for a byte string needs no parser).
   */
  async capture(file: string, filter: readonly string[] = ['udp']): Promise<Capture> {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.switchNetns,
        'tcpdump',
        '-i',
        'br0',
        '-U',
        '-n',
        '-w',
        file,
        ...filter,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    let err = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (d) => {
        err += String(d);
        if (err.includes('listening on')) resolve();
      });
      child.once('exit', (code) => reject(new NetnsError(['tcpdump'], `exited ${code}: ${err}`)));
    });
    return {
      stop: async () => {
        if (child.exitCode === null) {
          const exit = new Promise((r) => child.once('exit', r));
          child.kill('SIGINT');
          await exit;
        }
        return readFileSync(file);
      },
    };
  }

  /** Runs a command in host `name` and returns its standard output. */
  exec(name: string, command: string, args: readonly string[]): string {
    return run('ip', ['netns', 'exec', this.host(name).netns, command, ...args]);
  }

  /** Cuts host `name`'s cable: its switch port goes down (the host's eth0 loses carrier). */
  linkDown(name: string): void {
    ip('-n', this.switchNetns, 'link', 'set', this.host(name).name, 'down');
  }

  /** Plugs host `name` back in. */
  linkUp(name: string): void {
    ip('-n', this.switchNetns, 'link', 'set', this.host(name).name, 'up');
  }

  /**
   * Impairs everything host `name` sends (IPv4 on eth0), so between two impaired hosts each
   * direction gets the delay and loss once; `undefined` removes the impairment. Uses `tc netem`
   * where the kernel has it. Without it (as on this project's machines) loss is dropped by an
   * nftables rule (`numgen random`), and a fixed delay is made by {@link DELAYER}: an iptables
   * `NFQUEUE` rule hands each packet to it, and it lets each go `delayMs` after it arrived, in
   * order. Jitter needs netem ({@link NetnsError} without it).
   */
  async impair(name: string, impairment: Impairment | undefined): Promise<void> {
    const ns = this.host(name).netns;
    run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], true);
    run('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', 'rig'], true);
    // The host's namespace is the rig's own: its OUTPUT chain holds only the delayer's rule.
    run('ip', ['netns', 'exec', ns, 'iptables', '-F', 'OUTPUT'], true);
    await stopDelayers(ns);
    if (!impairment) return;
    const { delayMs = 0, jitterMs = 0, lossPercent = 0 } = impairment;
    if (hasNetem()) {
      const args = ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem'];
      if (delayMs) args.push('delay', `${delayMs}ms`, ...(jitterMs ? [`${jitterMs}ms`] : []));
      if (lossPercent) args.push('loss', `${lossPercent}%`);
      // netem's delay line holds `limit` packets (1000 by default): too few under load.
      run('ip', [...args, 'limit', '100000']);
      return;
    }
    if (jitterMs) {
      throw new NetnsError(
        ['tc', 'qdisc', 'add', 'netem'],
        'this kernel has no sch_netem: jitter is not available (a fixed delay is)',
      );
    }
    if (delayMs) {
      if (!Number.isInteger(delayMs) || delayMs < 1 || delayMs > 10_000) {
        throw new RangeError(`delayMs must be an integer in 1..10000, got ${delayMs}`);
      }
      await this.startDelayer(name, delayMs);
      run('ip', [
        'netns',
        'exec',
        ns,
        'iptables',
        '-A',
        'OUTPUT',
        '-o',
        'eth0',
        '-j',
        'NFQUEUE',
        '--queue-num',
        String(DELAY_QUEUE),
      ]);
    }
    if (lossPercent) {
      const per10k = Math.round(lossPercent * 100);
      const rules = `table inet rig {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "eth0" numgen random mod 10000 < ${per10k} drop
  }
}
`;
      execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], {
        input: rules,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
    }
  }

  /**
   * Starts {@link DELAYER} in host `name` and resolves once it is bound to its queue (before
   * that, the kernel would drop what the NFQUEUE rule hands it). It runs detached, so a rig
   * reopened by the CLI keeps its delay after the CLI exits; `impair(name, undefined)` and
   * `destroy()` end it.
   */
  private async startDelayer(name: string, delayMs: number): Promise<void> {
    if (!existsSync(DELAYER)) {
      throw new NetnsError(
        [DELAYER],
        'not built: run `npx nx run netns:build-native` (needs libnetfilter-queue-dev)',
      );
    }
    const child = this.spawn(
      name,
      DELAYER,
      ['--queue', String(DELAY_QUEUE), '--delay-ms', String(delayMs)],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr?.on('data', (d) => (err += String(d)));
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new NetnsError([DELAYER], `exited ${code}: ${err}`));
      child.once('exit', onExit);
      child.stdout?.on('data', (d) => {
        if (String(d).includes('ready')) {
          child.off('exit', onExit);
          resolve();
        }
      });
    });
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.unref();
  }

  /** PIDs of the processes in host `name`'s namespace. */
  pids(name: string): number[] {
    return nsPids(this.host(name).netns);
  }

  /** Kills every process in the rig and deletes its namespaces and links. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const c of this.children) c.kill('SIGKILL');
    const names = [...[...this.hosts.values()].map((h) => h.netns), this.switchNetns];
    removeNamespaces(names);
    if (this.callerLink) run('ip', ['link', 'del', this.callerLink], true);
    // Only once the names are gone: a crash in between leaves the file for the next reaper.
    rmSync(this.ownerFile, { force: true });
  }

  /** The file recording this rig's owner (see {@link OWNER_DIR}). */
  private get ownerFile(): string {
    return join(OWNER_DIR, `${this.prefix}-${this.runId}`);
  }
}

let netem: boolean | undefined;

/** Whether the kernel has `sch_netem` (checked once, on a throw-away namespace). */
export function hasNetem(): boolean {
  if (netem !== undefined) return netem;
  const ns = `${DEFAULT_PREFIX}-probe-${process.pid}`;
  run('ip', ['netns', 'add', ns], true);
  try {
    run('ip', [
      'netns',
      'exec',
      ns,
      'tc',
      'qdisc',
      'add',
      'dev',
      'lo',
      'root',
      'netem',
      'delay',
      '1ms',
    ]);
    netem = true;
  } catch {
    netem = false;
  } finally {
    run('ip', ['netns', 'del', ns], true);
  }
  return netem;
}

/** Ends the delayers running in `netns` (found by their command line) and waits for them. */
async function stopDelayers(netns: string): Promise<void> {
  const mine = nsPids(netns).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === DELAYER;
    } catch {
      return false;
    }
  });
  for (const pid of mine) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5_000;
  while (mine.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

function nsPids(netns: string): number[] {
  return run('ip', ['netns', 'pids', netns], true).split(/\s+/).filter(Boolean).map(Number);
}

function removeNamespaces(names: readonly string[]): void {
  for (const ns of names) {
    for (const pid of nsPids(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const ns of names) run('ip', ['netns', 'del', ns], true);
}

/** A /24 in 198.18.0.0/15 that no interface of the calling namespace uses yet. */
function pickSubnet(): string {
  const used = run('ip', ['-4', '-o', 'addr', 'show'], true);
  for (let i = 0; i < 64; i++) {
    const n = randomBytes(2);
    const subnet = `198.${18 + (n[0] & 1)}.${n[1]}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
  throw new Error('no free /24 in 198.18.0.0/15');
}

/**
 * Removes everything rigs with `prefix` left behind (crashed runs): their namespaces, with the
 * processes in them, and caller-side links. Returns what it removed.
 */
export function cleanupRigs(prefix = DEFAULT_PREFIX): string[] {
  const mine = (n: string) => n.startsWith(`${prefix}-`);
  const namespaces = run('ip', ['netns', 'list'], true)
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n && mine(n));
  removeNamespaces(namespaces);
  const links = run('ip', ['-o', 'link', 'show'], true)
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1])
    .filter((n): n is string => !!n && mine(n));
  for (const l of links) run('ip', ['link', 'del', l], true);
  return [...namespaces, ...links];
}

/** Lists the rigs present (by `<prefix>-<runId>`), from their switch namespaces. */
export function listRigs(prefix = DEFAULT_PREFIX): string[] {
  return run('ip', ['netns', 'list'], true)
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n?.startsWith(`${prefix}-`) && n.endsWith('-sw'))
    .map((n) => n.slice(0, -3));
}
