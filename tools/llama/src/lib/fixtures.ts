import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const GENERATOR = join(ROOT, 'tools', 'llama', 'make-gguf.py');

/** Why a fixture could not be made. */
export class LlamaFixtureError extends Error {
  override readonly name = 'LlamaFixtureError';
}

/** Where the fixtures live: `$DDS_LLM_CACHE/llama` (default `~/.cache/dds-llm/llama`). */
export function llamaCacheDir(): string {
  const base =
    process.env['DDS_LLM_CACHE'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'dds-llm');
  return join(base, 'llama');
}

/** node-llama-cpp's git bundle of the llama.cpp sources it was built from. */
export function llamaBundlePath(): string {
  // Its package `exports` hide package.json, so resolve the entry and walk up to the package.
  let entry: string;
  try {
    entry = require.resolve('node-llama-cpp', { paths: [ROOT] });
  } catch {
    throw new LlamaFixtureError('node-llama-cpp is not installed: run bash tools/setup');
  }
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'llama', 'gitRelease.bundle');
}

function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * Makes `dir` with `build(tmp)` unless it exists: built in a sibling temporary directory and
 * renamed into place, so concurrent callers and interrupted runs never see half a fixture.
 */
function once(dir: string, build: (tmp: string) => void): string {
  if (existsSync(dir)) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  try {
    build(tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process won the race with the same content.
      if (!existsSync(dir)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

let sourceHash: string | undefined;

/** The content hash of the bundled llama.cpp sources (the cache key of everything built from them). */
export function llamaSourceHash(): string {
  if (!sourceHash) {
    const bundle = llamaBundlePath();
    if (!existsSync(bundle)) throw new LlamaFixtureError(`${bundle} is missing`);
    sourceHash = sha256(readFileSync(bundle)).slice(0, 16);
  }
  return sourceHash;
}

/** The llama.cpp sources, cloned from node-llama-cpp's bundle once per content hash. */
export function ensureLlamaSources(): string {
  const dir = join(llamaCacheDir(), `src-${llamaSourceHash()}`);
  return once(dir, (tmp) => {
    // git clones into an existing directory as long as it is empty.
    execFileSync('git', ['clone', '--quiet', llamaBundlePath(), tmp], { stdio: 'pipe' });
    // A plain source tree from here on: no remote pointing into node_modules.
    rmSync(join(tmp, '.git'), { recursive: true, force: true });
  });
}

/** The generated models. */
export interface LlamaModels {
  /** A chat model: llama architecture, 2 layers, 64 dims, Llama 2 chat template, 1024 context. */
  readonly chat: string;
  /** An embedding model (mean pooling) of {@link EMBEDDING_DIMENSIONS} dimensions. */
  readonly embedding: string;
}

/** The chat fixture's context length (`llama.context_length`). */
export const CHAT_CONTEXT = 1024;
/** The embedding fixture's vector size. */
export const EMBEDDING_DIMENSIONS = 48;

const CHAT_ARGS = ['--seed', '7', '--name', 'tiny-llama', '--ctx', String(CHAT_CONTEXT)];
const EMBED_ARGS = [
  '--seed',
  '11',
  '--name',
  'tiny-embed',
  '--embd',
  String(EMBEDDING_DIMENSIONS),
  '--heads',
  '4',
  '--ctx',
  '512',
  '--embedding',
];

/**
 * The tiny random-weight GGUF models (deterministic: same sources, generator and seed give the
 * same bytes), generated once with llama.cpp's gguf-py and the system's python3 + numpy.
 */
export function ensureLlamaModels(): LlamaModels {
  const src = ensureLlamaSources();
  const generator = readFileSync(GENERATOR);
  const key = sha256(llamaSourceHash(), generator, CHAT_ARGS.join(' '), EMBED_ARGS.join(' '));
  const dir = join(llamaCacheDir(), `models-${key.slice(0, 16)}`);
  once(dir, (tmp) => {
    const vocab = join(src, 'models', 'ggml-vocab-llama-spm.gguf');
    const env = { ...process.env, PYTHONPATH: join(src, 'gguf-py') };
    for (const [file, args] of [
      ['tiny-llama.gguf', CHAT_ARGS],
      ['tiny-embed.gguf', EMBED_ARGS],
    ] as const) {
      try {
        execFileSync('python3', [GENERATOR, '--vocab', vocab, '--out', join(tmp, file), ...args], {
          env,
          stdio: 'pipe',
        });
      } catch (e) {
        const err = e as { stderr?: Buffer; message: string };
        throw new LlamaFixtureError(
          `generating ${file} failed (python3 with numpy is needed): ${err.stderr?.toString() || err.message}`,
        );
      }
    }
  });
  return { chat: join(dir, 'tiny-llama.gguf'), embedding: join(dir, 'tiny-embed.gguf') };
}

/**
 * llama.cpp's own `llama-server`, built with cmake from the bundled sources once per source
 * hash (CPU only, no curl, only the server target; a few minutes on 2 cores).
 */
export function ensureLlamaServer(log: (line: string) => void = () => undefined): string {
  const src = ensureLlamaSources();
  const dir = join(llamaCacheDir(), `server-${llamaSourceHash()}`);
  once(dir, (tmp) => {
    const build = join(tmp, 'build');
    const jobs = process.env['DDS_LLM_BUILD_JOBS'] ?? '2';
    const run = (args: string[]) => {
      log(`cmake ${args.join(' ')}`);
      try {
        execFileSync('cmake', args, { stdio: 'pipe', maxBuffer: 256 * 1024 * 1024 });
      } catch (e) {
        const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
        throw new LlamaFixtureError(
          `building llama-server failed: ${err.message}\n${String(err.stdout ?? '').slice(-4000)}\n${String(err.stderr ?? '').slice(-4000)}`,
        );
      }
    };
    run([
      '-S',
      src,
      '-B',
      build,
      '-DCMAKE_BUILD_TYPE=Release',
      '-DGGML_NATIVE=OFF',
      '-DLLAMA_CURL=OFF',
      '-DLLAMA_BUILD_SERVER=ON',
      '-DLLAMA_BUILD_TESTS=OFF',
      '-DLLAMA_BUILD_EXAMPLES=OFF',
      '-DBUILD_SHARED_LIBS=OFF',
    ]);
    run(['--build', build, '--target', 'llama-server', '-j', jobs]);
    mkdirSync(join(tmp, 'bin'));
    renameSync(join(build, 'bin', 'llama-server'), join(tmp, 'bin', 'llama-server'));
    rmSync(build, { recursive: true, force: true });
    writeFileSync(join(tmp, 'SOURCE'), `llama.cpp sources ${llamaSourceHash()}\n`);
  });
  return join(dir, 'bin', 'llama-server');
}
