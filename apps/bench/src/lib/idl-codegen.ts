import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** The workspace root (this file is `apps/bench/src/lib/`). */
export const WORKSPACE_ROOT = resolve(__dirname, '..', '..', '..', '..');

/**
 * Generates TypeScript types for `idlFile` into `outDir` with @dds/transport's own `dds-idl`
 * (so benchmarks measure the code the lib generates) and returns the path of the module written.
 * With `quiet`, the generator's output is dropped; otherwise it goes to this process's.
 */
export function generateIdlTypes(idlFile: string, outDir: string, quiet = false): string {
  mkdirSync(outDir, { recursive: true });
  execFileSync(
    process.execPath,
    [
      join(WORKSPACE_ROOT, 'libs', 'dds-transport', 'bin', 'dds-idl.js'),
      'gen',
      idlFile,
      '-o',
      outDir,
    ],
    { stdio: quiet ? 'ignore' : 'inherit' },
  );
  return join(outDir, `${basename(idlFile, '.idl')}.ts`);
}
