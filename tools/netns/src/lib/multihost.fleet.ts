import { type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  addIdentity,
  createSecurityKit,
  identityConfig,
  type IdentityFiles,
  type SecurityKit,
} from '@dds/dds-security';
import { cycloneHostConfig } from './cyclone-host.config';
import { NetnsRig } from './netns.rig';
import { stringify } from 'yaml';

export const ROOT = join(__dirname, '..', '..', '..', '..');
const GATEWAY_MAIN = join(ROOT, 'apps', 'gateway', 'src', 'main.ts');
const SIMULATOR_MAIN = join(ROOT, 'apps', 'agent-simulator', 'src', 'main.ts');
export const GATEWAY_PORT = 8080;

/** Options of {@link MultihostFleet.create}. */
export interface MultihostOptions {
  readonly domain: number;
  /** Host names; gateway hosts start with `gw`, agent hosts with `a`. */
  readonly hosts: readonly string[];
  readonly discovery: 'multicast' | 'unicast';
  /** Turn DDS Security on for every gateway and agent of the fleet. */
  readonly secure?: boolean;
  /** SPDP interval (ms): how soon a host whose link came back is rediscovered. */
  readonly spdpIntervalMs?: number;
  /** Participant lease (ms); see `cycloneHostConfig`. */
  readonly leaseDurationMs?: number;
}

/** A started process in a host, with its output kept for failure messages. */
export interface HostProcess {
  readonly host: string;
  readonly child: ChildProcess;
  readonly output: string[];
  /** Resolves with the first stdout JSON record whose `msg`/`event` is `what`. */
  waitFor(what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every JSON record printed so far. */
  readonly records: Record<string, unknown>[];
}

/**
 * A fleet spread over network-namespace hosts: a {@link NetnsRig}, a CycloneDDS configuration
 * per discovery mode, and (when secure) a security kit with one identity per host. Starts
 * gateways and simulator processes in hosts; `destroy()` removes all of it.
 */
export class MultihostFleet {
  readonly dir: string;
  readonly kit: SecurityKit | undefined;
  private readonly ddsConfig: string;
  private readonly identities = new Map<string, IdentityFiles>();
  private readonly procs = new Set<HostProcess>();

  private constructor(
    readonly rig: NetnsRig,
    readonly options: MultihostOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `multihost-${rig.runId}-`));
    const peers = [...rig.hosts.values()].map((h) => h.address);
    this.ddsConfig = join(this.dir, 'cyclonedds.xml');
    writeFileSync(
      this.ddsConfig,
      cycloneHostConfig(
        options.discovery === 'unicast'
          ? {
              discovery: 'unicast',
              peers,
              maxParticipantIndex: 4,
              spdpIntervalMs: options.spdpIntervalMs,
              leaseDurationMs: options.leaseDurationMs,
            }
          : {
              discovery: 'multicast',
              spdpIntervalMs: options.spdpIntervalMs,
              leaseDurationMs: options.leaseDurationMs,
            },
      ),
    );
    this.kit = options.secure ? createSecurityKit(join(this.dir, 'security')) : undefined;
  }

  static create(options: MultihostOptions): MultihostFleet {
    const rig = NetnsRig.create({ hosts: options.hosts });
    try {
      return new MultihostFleet(rig, options);
    } catch (e) {
      rig.destroy();
      throw e;
    }
  }

  /** The identity of host `host` (a gateway identity for `gw*` hosts, else an agent one). */
  identity(host: string): IdentityFiles {
    if (!this.kit) throw new Error('not a secure fleet');
    let id = this.identities.get(host);
    if (!id) {
      id = host.startsWith('gw')
        ? addIdentity(this.kit, { name: host, role: 'gateway' })
        : addIdentity(this.kit, { name: host, role: 'agent', agentIds: [`${host}-*`] });
      this.identities.set(host, id);
    }
    return id;
  }

  /** `http://<address>:8080` of the gateway in `host`. */
  gatewayUrl(host: string): string {
    return `http://${this.rig.host(host).address}:${GATEWAY_PORT}`;
  }

  private env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, CYCLONEDDS_URI: `file://${this.ddsConfig}`, ...extra };
  }

  /** Starts `args` with Node (through swc) in `host`. */
  spawnNode(host: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): HostProcess {
    const child = this.rig.spawn(host, process.execPath, ['-r', '@swc-node/register', ...args], {
      cwd: ROOT,
      env: this.env(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const records: Record<string, unknown>[] = [];
    const waiters: { what: string; resolve: (r: Record<string, unknown>) => void }[] = [];
    child.stderr?.on('data', (d) => output.push(String(d)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      output.push(line);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      records.push(rec);
      for (const w of [...waiters]) {
        if (rec['msg'] === w.what || rec['event'] === w.what) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(rec);
        }
      }
    });
    const proc: HostProcess = {
      host,
      child,
      output,
      records,
      waitFor: (what, timeoutMs = 30_000) => {
        const seen = records.find((r) => r['msg'] === what || r['event'] === what);
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(new Error(`${host}: no "${what}" in ${timeoutMs} ms:\n${output.join('\n')}`));
          }, timeoutMs);
          const onExit = (code: number | null) => {
            clearTimeout(timer);
            reject(new Error(`${host}: exited (${code}) before "${what}":\n${output.join('\n')}`));
          };
          child.once('exit', onExit);
          waiters.push({
            what,
            resolve: (r) => {
              clearTimeout(timer);
              child.off('exit', onExit);
              resolve(r);
            },
          });
        });
      },
    };
    this.procs.add(proc);
    child.once('exit', () => this.procs.delete(proc));
    return proc;
  }

  /** Starts a gateway in `host` (DDS timeouts short, as failover tests want) and waits for it. */
  async startGateway(host: string, env: NodeJS.ProcessEnv = {}): Promise<HostProcess> {
    const security = this.kit
      ? Object.fromEntries(
          Object.entries({ enabled: 'true', ...identityConfig(this.identity(host)) }).map(
            ([k, v]) => [`DDS_LLM_DDS_SECURITY_${k.toUpperCase()}`, v],
          ),
        )
      : {};
    const gw = this.spawnNode(
      host,
      [GATEWAY_MAIN, '--host', '0.0.0.0', '--port', String(GATEWAY_PORT)],
      {
        DDS_LLM_DDS_DOMAIN: String(this.options.domain),
        DDS_LLM_AGENTS_TIMEOUT: '1',
        DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.2',
        DDS_LLM_LOG_LEVEL: 'warning',
        ...security,
        ...env,
      },
    );
    // "gateway listening" is logged at info; read readiness from the HTTP port instead.
    await waitUntil(`gateway in ${host}`, async () => {
      if (gw.child.exitCode !== null) {
        throw new Error(`gateway in ${host} exited: ${gw.output.join('\n')}`);
      }
      return fetch(`${this.gatewayUrl(host)}/health`).then(
        (r) => r.ok,
        () => false,
      );
    });
    return gw;
  }

  /**
   * Starts a simulator with `count` agents in `host` (ids `<host>-sim-text-<n>`, DDS only), each
   * serving `phi-4-mini` and `<host>-model`, and waits for "fleet ready".
   */
  async startAgents(
    host: string,
    o: { count?: number; slots?: number; args?: readonly string[] } = {},
  ): Promise<HostProcess> {
    const yaml = join(this.dir, `fleet-${host}.yaml`);
    const doc: Record<string, unknown> = { dds: { domain: this.options.domain } };
    if (this.kit) doc['dds_security'] = { enabled: true, ...identityConfig(this.identity(host)) };
    writeFileSync(yaml, stringify(doc));
    const sim = this.spawnNode(host, [
      SIMULATOR_MAIN,
      '--config',
      yaml,
      '--no-http',
      '--id-prefix',
      `${host}-`,
      '--count',
      String(o.count ?? 1),
      '--slots',
      String(o.slots ?? 4),
      '--model',
      'phi-4-mini',
      `${host}-model`,
      '--timeout',
      '1',
      '--heartbeat-interval',
      '0.2',
      ...(o.args ?? []),
    ]);
    await sim.waitFor('fleet ready');
    return sim;
  }

  /** Stops a process: SIGTERM (or `signal`), SIGKILL after 10 s. */
  async stop(p: HostProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    const exit = once(p.child, 'exit');
    p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  }

  /**
   * Stops every process, tears down the rig and deletes the files. The teardown happens even
   * when a stop fails (the rig kills what is left in its namespaces); the first failure is
   * rethrown after it.
   */
  async destroy(): Promise<void> {
    try {
      const stops = await Promise.allSettled([...this.procs].map((p) => this.stop(p)));
      const failed = stops.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      this.rig.destroy();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Resolves once `predicate` holds (checked every 20 ms); rejects after `timeoutMs`. */
export async function waitUntil(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One agent as `GET /api/v1/agents` lists it (the fields these tests read). */
export interface ListedAgent {
  id: string;
  health: string;
  models: string[];
  slots: number;
  slots_busy: number;
  in_flight: number;
}

/** The fleet as the gateway at `url` sees it. */
export async function listAgents(url: string): Promise<ListedAgent[]> {
  const res = await fetch(`${url}/api/v1/agents`);
  return ((await res.json()) as { data: ListedAgent[] }).data;
}
