import { accessSync, constants, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { extractDescriptors, preprocessIdl, ToolchainOptions } from './descriptor-extractor';
import { parseIdl } from './idl-parser';
import { emitModules } from './ts-emitter';

/** Options of `generateFromIdl` (and of `dds-idl gen`). */
export interface GenerateOptions extends ToolchainOptions {
  /** Output directory; created when missing. */
  readonly outDir: string;
  /** Module the generated code imports the runtime from (default `@dds/transport`). */
  readonly runtimeModule?: string;
}

/**
 * Generates TypeScript from an IDL file: `<outDir>/<idl-basename>.ts` for its own types and, for
 * each file it `#include`s that declares types, `<outDir>/<path as included>.ts`, which the
 * others import. Every struct and union gets an interface (or union type) and an encoder and
 * decoder, every enum a TS enum, every bitmask its flags; each topic type (not `@nested`) also
 * gets `<Name>Type: TypeSupport<Name>`, with the descriptor from Cyclone's own `idlc`. Returns
 * the paths written, the main file's first.
 */
export function generateFromIdl(idlFile: string, opts: GenerateOptions): string[] {
  // A clear ENOENT/EACCES rather than idlc's "Can't open input file".
  accessSync(idlFile, constants.R_OK);
  const preprocessed = preprocessIdl(idlFile, opts);
  const parsed = parseIdl(preprocessed, idlFile);
  const topics = parsed.decls
    .filter((d) => (d.kind === 'struct' || d.kind === 'union') && d.topic)
    .map((d) => d.scopedName);
  const descriptors = extractDescriptors(preprocessed, idlFile, topics, opts);
  const modules = emitModules(parsed, descriptors, { runtimeModule: opts.runtimeModule });
  return modules.map((m) => {
    const out = join(opts.outDir, `${m.path}.ts`);
    mkdirSync(dirname(out), { recursive: true });
    // Write-then-rename: a process importing the module meanwhile sees the old or the new file,
    // never half of one.
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, m.code);
    renameSync(tmp, out);
    return out;
  });
}
