import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { extractDescriptors, readIdl, ToolchainOptions } from './descriptor-extractor';
import { parseIdl } from './idl-parser';
import { emitTypeScript } from './ts-emitter';

/** Options of `generateFromIdl` (and of `dds-idl gen`). */
export interface GenerateOptions extends ToolchainOptions {
  /** Output directory; created when missing. */
  readonly outDir: string;
  /** Module the generated code imports the runtime from (default `@dds/transport`). */
  readonly runtimeModule?: string;
}

/**
 * Generates `<outDir>/<idl-basename>.ts` from an IDL file: one interface and one
 * `<Name>Type: TypeSupport<Name>` per struct, one TS enum per IDL enum, with descriptors from
 * Cyclone's own `idlc`. Returns the path written.
 */
export function generateFromIdl(idlFile: string, opts: GenerateOptions): string {
  const file = resolve(idlFile);
  const parsed = parseIdl(readIdl(file), idlFile);
  const structs = parsed.decls.filter((d) => d.kind === 'struct').map((d) => d.scopedName);
  if (structs.length === 0) throw new Error(`${idlFile}: no struct to generate a type for`);
  const descriptors = extractDescriptors(file, structs, opts);
  const source = emitTypeScript(parsed, descriptors, {
    runtimeModule: opts.runtimeModule,
    sourceName: basename(idlFile),
  });
  mkdirSync(opts.outDir, { recursive: true });
  const out = join(opts.outDir, `${basename(file).replace(/\.idl$/i, '')}.ts`);
  // Write-then-rename: a process importing the module meanwhile sees the old or the new file,
  // never half of one.
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, source);
  renameSync(tmp, out);
  return out;
}
