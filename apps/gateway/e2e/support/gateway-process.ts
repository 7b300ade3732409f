import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** How to run the gateway: node's arguments up to the entry script, and the directory to run in. */
export interface GatewayLaunch {
  readonly nodeArgs: string[];
  readonly cwd: string;
}

/** From the TypeScript sources, as `nx serve gateway` does. */
export const FROM_SOURCES: GatewayLaunch = {
  nodeArgs: ['-r', '@swc-node/register', 'apps/gateway/src/main.ts'],
  cwd: ROOT,
};

/** The gateway as a real process (`apps/gateway/src/main.ts`, or a bundle of it). */
export class GatewayProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly output: string[],
  ) {}

  /** Starts it with `args` and resolves with its URL once it logs "gateway listening". */
  static async start(
    args: string[],
    env: NodeJS.ProcessEnv = {},
    timeoutMs = 30_000,
    launch: GatewayLaunch = FROM_SOURCES,
  ): Promise<GatewayProcess> {
    const child = spawn(process.execPath, [...launch.nodeArgs, ...args], {
      cwd: launch.cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stderr?.on('data', (d) => output.push(String(d)));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`gateway not listening in ${timeoutMs} ms: ${output.join('')}`));
      }, timeoutMs);
      lines.on('line', (line) => {
        output.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'gateway listening' && rec.url) {
            clearTimeout(timer);
            resolve(rec.url);
          }
        } catch {
          // Not a log record.
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited (${code}): ${output.join('\n')}`));
      });
    });
    return new GatewayProcess(child, url, output);
  }

  /** Sends SIGTERM and resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const [code] = (await exit) as [number | null];
    return code;
  }
}

/** True while `pid` is a live process (a zombie nobody reaped yet counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pid of the simulated fleet a `--fleet default` gateway logged it started, if any. */
export function fleetPid(gateway: GatewayProcess): number | undefined {
  for (const line of gateway.output) {
    try {
      const rec = JSON.parse(line) as { msg?: string; pid?: number; component?: string };
      if (rec.component === 'fleet-launcher' && rec.msg === 'starting the default simulated fleet')
        return rec.pid;
    } catch {
      // Not a log record.
    }
  }
  return undefined;
}

/** Runs the gateway CLI to completion (for flag/config errors) and returns its exit code and stderr. */
export async function runGatewayCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'apps/gateway/src/main.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}
