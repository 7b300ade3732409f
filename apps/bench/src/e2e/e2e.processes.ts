import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The workspace root (apps/bench/src/e2e -> ../../../..). */
export const ROOT = join(__dirname, '..', '..', '..', '..');
/** Loopback DDS for every process the benchmark starts. */
export const LOOPBACK_DDS = `file://${join(ROOT, 'tools', 'dds', 'cyclonedds-loopback.xml')}`;

/** A child process that logs pino JSON lines; resolves `ready` on the first record matching. */
export class LoggedProcess {
  readonly lines: string[] = [];

  private constructor(readonly child: ChildProcess) {}

  /**
   * Starts `node -r @swc-node/register <entry> ...args` (with `env` on top of this process's, DDS
   * on loopback unless told otherwise) and waits for a log record with `msg`.
   */
  static async start(
    entry: string,
    args: string[],
    readyMsg: string,
    timeoutMs = 60_000,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ proc: LoggedProcess; record: Record<string, unknown> }> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', entry, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        CYCLONEDDS_URI: process.env['CYCLONEDDS_URI'] ?? LOOPBACK_DDS,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new LoggedProcess(child);
    child.stderr?.on('data', (d) => proc.lines.push(String(d)));
    const record = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Never leave a half-started process behind.
        child.kill('SIGKILL');
        reject(new Error(`${entry} not ready in ${timeoutMs} ms:\n${proc.lines.join('\n')}`));
      }, timeoutMs);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        proc.lines.push(line);
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          if (rec['msg'] === readyMsg) {
            clearTimeout(timer);
            resolve(rec);
          }
        } catch {
          // Not a log record.
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited (${code}):\n${proc.lines.join('\n')}`));
      });
    });
    return { proc, record };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exit;
    clearTimeout(timer);
  }
}

/** The processes one bench section starts (entries relative to ROOT), stopped together. */
export class ProcessGroup {
  private readonly procs: LoggedProcess[] = [];

  /** Starts one and keeps it for {@link stop}; see {@link LoggedProcess.start}. */
  async start(
    entry: string,
    args: string[],
    readyMsg: string,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ proc: LoggedProcess; record: Record<string, unknown> }> {
    const started = await LoggedProcess.start(join(ROOT, entry), args, readyMsg, 60_000, env);
    this.procs.push(started.proc);
    return started;
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}

/** Whether the gateway reports ready (DDS up, an agent healthy) within `timeoutMs`. */
export async function gatewayReady(gatewayUrl: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${gatewayUrl}/health/ready`);
    await res.body?.cancel();
    if (res.ok) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The simulator's entry point, relative to ROOT. */
export const SIMULATOR_MAIN = 'apps/agent-simulator/src/main.ts';

/** Simulator flags for one agent serving `model` with `slots` slots on `domain`, on a free HTTP port. */
export function singleAgentArgs(
  domain: string | number,
  model: string,
  idPrefix: string,
  slots: number,
  engineArgs: readonly string[],
): string[] {
  return [
    '--dds-domain',
    String(domain),
    '--port',
    '0',
    '--count',
    '1',
    '--slots',
    String(slots),
    '--model',
    model,
    '--id-prefix',
    idPrefix,
    ...engineArgs,
  ];
}
