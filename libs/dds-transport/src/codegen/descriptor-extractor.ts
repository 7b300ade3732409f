import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { TopicDescriptorData } from '../lib/type-support';

/** Where to find Cyclone's tools; defaults come from `$IDLC`, `$CC` and `pkg-config`. */
export interface ToolchainOptions {
  /** `idlc` executable (default `$IDLC` or `idlc`). */
  readonly idlc?: string;
  /** C compiler (default `$CC` or `cc`). */
  readonly cc?: string;
  /** Directories `#include` searches, in order (idlc's `-I`). */
  readonly includeDirs?: readonly string[];
  /** Preprocessor macros, `NAME` or `NAME=value` (idlc's `-D`). */
  readonly defines?: readonly string[];
}

/** `idlc` or the C compiler failed; `output` holds what the tool printed. */
export class ToolchainError extends Error {
  override readonly name = 'ToolchainError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output ? `${message}\n${output}` : message);
  }
}

function notFound(what: string, cmd: string): ToolchainError {
  return new ToolchainError(
    `${what}: '${cmd}' not found (install cyclonedds-tools, cyclonedds-dev and a C compiler)`,
    '',
  );
}

function run(cmd: string, args: string[], cwd: string, what: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; stdout?: string };
    if (err.code === 'ENOENT') throw notFound(what, cmd);
    throw new ToolchainError(`${what} failed`, `${err.stdout ?? ''}${err.stderr ?? ''}`.trim());
  }
}

const idlcOf = (opts: ToolchainOptions): string => opts.idlc ?? process.env['IDLC'] ?? 'idlc';

/**
 * Runs idlc's preprocessor (`idlc -E`, mcpp) on `idlFile` with the include directories and
 * macros of `opts` and returns its output: the translation unit with every `#include` expanded,
 * macros replaced and conditionals resolved, with line markers naming the file of each part.
 * This is the text both our parser and (without the markers) idlc's C generator read, so
 * includes, guards and macros work exactly as in idlc.
 */
export function preprocessIdl(idlFile: string, opts: ToolchainOptions = {}): string {
  const idlc = idlcOf(opts);
  const args = [
    ...(opts.includeDirs ?? []).flatMap((d) => ['-I', d]),
    ...(opts.defines ?? []).flatMap((d) => ['-D', d]),
    '-E',
    idlFile,
  ];
  const r = spawnSync(idlc, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if ((r.error as { code?: string } | undefined)?.code === 'ENOENT') throw notFound('idlc', idlc);
  if (r.error) throw new ToolchainError('idlc -E failed', String(r.error));
  // idlc 0.10.2 exits with 0 after preprocessor errors: its "N errors in preprocessor" says so.
  if (r.status !== 0 || /\berrors? in preprocessor\b/.test(r.stderr))
    throw new ToolchainError('idlc -E failed', r.stderr.trim());
  return r.stdout;
}

/** Where line `n` (1-based) of the flattened text came from. */
interface Origin {
  readonly file: string;
  readonly line: number;
}

/**
 * Drops the line markers from preprocessed IDL (idlc's C generator would otherwise treat the
 * included parts as another file's and emit `#include`s instead of their code) and remembers
 * where each remaining line came from, so idlc's messages can name the original place.
 */
function flatten(preprocessed: string, mainFile: string): { text: string; origins: Origin[] } {
  const lines: string[] = [];
  const origins: Origin[] = [];
  let file = mainFile;
  let mainPath: string | undefined;
  let line = 1;
  for (const l of preprocessed.split('\n')) {
    const m = /^#\s*(?:line\s+)?(\d+)\s+"([^"]*)"/.exec(l);
    if (m) {
      mainPath ??= m[2];
      file = m[2] === mainPath ? mainFile : m[2];
      line = Number(m[1]);
      continue;
    }
    lines.push(l);
    origins.push({ file, line: line++ });
  }
  return { text: lines.join('\n'), origins };
}

/** Rewrites `flat.idl:L[:C]` in idlc's output to the original file and line. */
function relocate(output: string, flatName: string, origins: readonly Origin[]): string {
  const escaped = flatName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return output.replace(new RegExp(`(?:[^\\s:]*/)?${escaped}:(\\d+)`, 'g'), (all, n: string) => {
    const o = origins[Number(n) - 1];
    return o ? `${o.file}:${o.line}` : all;
  });
}

/** The C identifier idlc gives a scoped IDL name (`M::S` -> `M_S`). */
export function cIdentifier(scopedName: string): string {
  return scopedName.split('::').join('_');
}

/**
 * Runs Cyclone's `idlc -l c` on the preprocessed translation unit of `mainFile` (every file it
 * includes, flattened into one) in a temporary directory, compiles its output with a small
 * printer, and returns the `dds_topic_descriptor_t` of each topic type in `scopedNames` as data,
 * keyed by scoped name. This makes ops, keys, flags and XTypes type information exactly what a C
 * application built from the same IDL with the same Cyclone gets.
 */
export function extractDescriptors(
  preprocessed: string,
  mainFile: string,
  scopedNames: readonly string[],
  opts: ToolchainOptions = {},
): Map<string, TopicDescriptorData> {
  const idlc = idlcOf(opts);
  const cc = opts.cc ?? process.env['CC'] ?? 'cc';
  const dir = mkdtempSync(join(tmpdir(), 'dds-idl-'));
  try {
    const base = basename(mainFile).replace(/\.idl$/i, '');
    const flat = flatten(preprocessed, mainFile);
    writeFileSync(join(dir, `${base}.idl`), flat.text);
    try {
      run(
        idlc,
        ['-l', 'c', '-Wno-implicit-extensibility', '-x', 'final', `${base}.idl`],
        dir,
        'idlc',
      );
    } catch (e) {
      if (!(e instanceof ToolchainError) || !e.output) throw e;
      throw new ToolchainError('idlc failed', relocate(e.output, `${base}.idl`, flat.origins));
    }
    const generated = readFileSync(join(dir, `${base}.c`), 'utf8');
    for (const n of scopedNames) {
      if (!generated.includes(`const dds_topic_descriptor_t ${cIdentifier(n)}_desc =`))
        throw new ToolchainError(`idlc generated no topic descriptor for ${n}`, '');
    }
    if (scopedNames.length === 0) return new Map();
    writeFileSync(join(dir, 'printer.c'), printerSource(base, scopedNames));
    const flags = run('pkg-config', ['--cflags', 'CycloneDDS'], dir, 'pkg-config')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    run(
      cc,
      ['-std=gnu11', '-o', 'printer', 'printer.c', ...flags],
      dir,
      'compiling the descriptor printer',
    );
    const json = run(join(dir, 'printer'), [], dir, 'the descriptor printer');
    const raw = JSON.parse(json) as RawDescriptor[];
    const out = new Map<string, TopicDescriptorData>();
    for (const r of raw) {
      out.set(r.typeName, {
        typeName: r.typeName,
        size: r.size,
        align: r.align,
        flagset: r.flagset,
        keys: r.keys,
        ops: r.ops,
        typeInformation: Buffer.from(r.typeInformation, 'hex'),
        typeMapping: Buffer.from(r.typeMapping, 'hex'),
        restrictDataRepresentation: r.restrictDataRepresentation,
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface RawDescriptor {
  typeName: string;
  size: number;
  align: number;
  flagset: number;
  keys: { name: string; offset: number; index: number }[];
  ops: number[];
  typeInformation: string;
  typeMapping: string;
  restrictDataRepresentation: number;
}

function printerSource(base: string, scopedNames: readonly string[]): string {
  const calls = scopedNames
    .map((n, i) => {
      const c = cIdentifier(n);
      return `  print_desc(&${c}_desc, ${c}_ops, sizeof (${c}_ops) / sizeof (${c}_ops[0]), ${i === 0 ? 1 : 0});`;
    })
    .join('\n');
  return `/* Generated by dds-idl: prints idlc's topic descriptors as JSON. */
#include <stdio.h>
#include "${base}.c"

static void print_hex (const unsigned char *p, uint32_t n)
{
  putchar ('"');
  for (uint32_t i = 0; p != NULL && i < n; i++) printf ("%02x", p[i]);
  putchar ('"');
}

static void print_desc (const dds_topic_descriptor_t *d, const uint32_t *ops, size_t nops, int first)
{
  printf ("%s{\\"typeName\\":\\"%s\\",\\"size\\":%u,\\"align\\":%u,\\"flagset\\":%u,\\"keys\\":[",
          first ? "" : ",", d->m_typename, d->m_size, d->m_align, d->m_flagset);
  for (uint32_t k = 0; k < d->m_nkeys; k++)
    printf ("%s{\\"name\\":\\"%s\\",\\"offset\\":%u,\\"index\\":%u}", k ? "," : "", d->m_keys[k].m_name, d->m_keys[k].m_offset, d->m_keys[k].m_idx);
  printf ("],\\"ops\\":[");
  for (size_t i = 0; i < nops; i++) printf ("%s%u", i ? "," : "", ops[i]);
  printf ("],\\"typeInformation\\":");
  print_hex (d->type_information.data, d->type_information.sz);
  printf (",\\"typeMapping\\":");
  print_hex (d->type_mapping.data, d->type_mapping.sz);
  printf (",\\"restrictDataRepresentation\\":%u}\\n",
          (d->m_flagset & DDS_TOPIC_RESTRICT_DATA_REPRESENTATION) ? d->restrict_data_representation : 0u);
}

int main (void)
{
  printf ("[");
${calls}
  printf ("]\\n");
  return 0;
}
`;
}
