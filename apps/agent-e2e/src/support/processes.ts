import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = join(__dirname, '..', '..', '..', '..');
const GATEWAY_MAIN = join(ROOT, 'apps', 'gateway', 'src', 'main.ts');
const AGENT_MAIN = join(ROOT, 'apps', 'agent', 'src', 'main.ts');

/** Every process started here and not yet stopped, for {@link stopAll}. */
const live = new Set<LoggedProcess>();

/** Stops every process the suite started (SIGTERM, then SIGKILL after 10 s). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...live].map(async (p) => {
      const kill = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.stop();
      clearTimeout(kill);
    }),
  );
}

/** A child process whose stdout JSON log records (pino) are kept and awaitable. */
export class LoggedProcess {
  readonly records: Record<string, unknown>[] = [];
  readonly output: string[] = [];
  private waiters: {
    match: (r: Record<string, unknown>) => boolean;
    resolve: (r: Record<string, unknown>) => void;
  }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    live.add(this);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      }),
    );
    child.stderr?.on('data', (d) => this.output.push(String(d)));
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        this.output.push(line);
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return; // Not a log record.
        }
        this.records.push(rec);
        this.waiters = this.waiters.filter((w) => {
          if (!w.match(rec)) return true;
          w.resolve(rec);
          return false;
        });
      });
    }
  }

  /** The first record (already logged or to come) that `match` accepts. */
  waitFor(
    match: (r: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs = 60_000,
  ): Promise<Record<string, unknown>> {
    const seen = this.records.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`${this.name}: no "${what}" in ${timeoutMs} ms:\n${this.output.join('\n')}`),
          ),
        timeoutMs,
      );
      const w = {
        match,
        resolve: (r: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.push(w);
      void this.exited.then(({ code, signal }) => {
        if (!this.waiters.includes(w)) return;
        clearTimeout(timer);
        reject(
          new Error(
            `${this.name} exited (${code ?? signal}) before "${what}":\n${this.output.join('\n')}`,
          ),
        );
      });
    });
  }

  /** Waits for the record whose `msg` is `msg`. */
  waitForMsg(msg: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.waitFor((r) => r['msg'] === msg, msg, timeoutMs);
  }

  /** SIGTERM (or `signal`), then the exit. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

function node(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['-r', '@swc-node/register', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The gateway alone (`--fleet none`) on `domain` and an ephemeral port. */
export async function startGateway(
  domain: number,
  extra: string[] = [],
): Promise<LoggedProcess & { url: string }> {
  const p = new LoggedProcess(
    'gateway',
    node([
      GATEWAY_MAIN,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--dds-domain',
      String(domain),
      '--fleet',
      'none',
      ...extra,
    ]),
  );
  const rec = await p.waitForMsg('gateway listening');
  return Object.assign(p, { url: String(rec['url']) });
}

/** `dds-llm-agent` with `args`, once it logged "agents ready". */
export async function startAgent(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<LoggedProcess> {
  const p = new LoggedProcess('dds-llm-agent', node([AGENT_MAIN, ...args], env));
  await p.waitForMsg('agents ready');
  return p;
}

/** Runs `dds-llm-agent` to its exit (a start that must fail). */
export async function runAgent(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = node([AGENT_MAIN, ...args]);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  child.stdout?.resume();
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

/** A loopback TCP port that was free a moment ago (for servers that cannot take port 0). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls `probe` until it returns a value (not `undefined`), or fails after `timeoutMs`. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The gateway's view of one agent (`GET /api/v1/agents/:id`). */
export async function agentListing(
  gatewayUrl: string,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const res = await fetch(`${gatewayUrl}/api/v1/agents/${encodeURIComponent(id)}`);
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  return (await res.json()) as Record<string, unknown>;
}
