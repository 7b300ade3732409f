import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** One agent of a simulator process, as its "fleet ready" log line lists it. */
export interface SimAgent {
  id: string;
  models: string[];
  specialization: string;
  http?: string;
}

/** A real `apps/agent-simulator` process. */
export class SimulatorProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly agents: SimAgent[],
    readonly logs: string[],
  ) {}

  /**
   * Starts the simulator with `args` (its CLI flags) and resolves once its fleet is registered
   * on DDS ("fleet ready"). DDS stays on loopback (CYCLONEDDS_URI from the jest setup).
   */
  static async start(args: string[], timeoutMs = 30_000): Promise<SimulatorProcess> {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/agent-simulator/src/main.ts', ...args],
      { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const logs: string[] = [];
    child.stderr?.on('data', (d) => logs.push(String(d)));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const ready = new Promise<SimAgent[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`simulator not ready in ${timeoutMs} ms: ${logs.join('')}`));
      }, timeoutMs);
      lines.on('line', (line) => {
        logs.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; agents?: SimAgent[] };
          if (rec.msg === 'fleet ready') {
            clearTimeout(timer);
            resolve(rec.agents ?? []);
          }
        } catch {
          // Not a log record.
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`simulator exited (${code}) before it was ready: ${logs.join('\n')}`));
      });
    });
    const agents = await ready;
    return new SimulatorProcess(child, agents, logs);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Kills the process at once (a crash: no clean leave on DDS). */
  async kill(): Promise<void> {
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exit;
  }

  /** Stops it cleanly (SIGTERM: drains and leaves DDS), or kills it after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exit;
    clearTimeout(timer);
  }
}
