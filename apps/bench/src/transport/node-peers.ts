import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { generateIdlTypes, WORKSPACE_ROOT } from '../lib/idl-codegen';
import { BENCH_OUTPUT_DIR } from '../lib/report';

/** The loopback CycloneDDS configuration, unless CYCLONEDDS_URI names another. */
export function ddsEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CYCLONEDDS_URI:
      process.env['CYCLONEDDS_URI'] ??
      `file://${join(WORKSPACE_ROOT, 'tools', 'dds', 'cyclonedds-loopback.xml')}`,
  };
}

/** Generates the benchmark's sample type with the transport's own code generator. */
export function generateTypes(): string {
  return generateIdlTypes(
    join(__dirname, 'ping.idl'),
    join(WORKSPACE_ROOT, BENCH_OUTPUT_DIR, 'gen'),
  );
}

/**
 * Runs two `node-peer` processes (e.g. `pong` and `ping`) on `domainId` and returns the JSON
 * result line each printed, by role (a role that prints nothing is absent). Both are killed, and
 * it rejects, after `timeoutMs`.
 */
export async function runPeers(
  roles: readonly [string, string],
  domainId: number,
  typesModule: string,
  options: object,
  env: NodeJS.ProcessEnv = ddsEnv(),
  timeoutMs = 120_000,
): Promise<Partial<Record<string, unknown>>> {
  const children: ChildProcess[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const c of children) c.kill('SIGKILL');
  }, timeoutMs);
  const start = (role: string) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        join(__dirname, 'node-peer.ts'),
        role,
        String(domainId),
        typesModule,
        JSON.stringify(options),
      ],
      { cwd: WORKSPACE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let out = '';
    // Passed through, and its last line kept to say why a peer failed.
    let lastError = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      process.stderr.write(d);
      lastError = d.trim().split('\n')[0] || lastError;
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    return once(child, 'exit').then(([code]) => {
      if (timedOut) throw new Error(`node-peer ${role}: no result within ${timeoutMs} ms`);
      if (code !== 0) throw new Error(`node-peer ${role} exited with ${code}: ${lastError}`);
      return out;
    });
  };
  let outputs: string[];
  try {
    outputs = await Promise.all(roles.map(start));
  } finally {
    clearTimeout(timer);
  }
  const results: Partial<Record<string, unknown>> = {};
  outputs.forEach((out, i) => {
    const line = out.trim().split('\n').filter(Boolean).pop();
    if (line) results[roles[i]] = JSON.parse(line);
  });
  if (Object.keys(results).length === 0) {
    throw new Error(`node-peer ${roles.join('/')} printed no result`);
  }
  return results;
}
