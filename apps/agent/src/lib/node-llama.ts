import { pathToFileURL } from 'node:url';
import type * as NodeLlamaCpp from 'node-llama-cpp';

/** The node-llama-cpp module (types only here; the code is loaded by {@link loadNodeLlamaCpp}). */
export type NodeLlama = typeof NodeLlamaCpp;

/**
 * A real dynamic `import()`. node-llama-cpp is an ES module with top-level await, which
 * `require()` cannot load, and the CommonJS transpilers used here (SWC for the bundle, tests
 * and `nx serve`) turn a literal `import()` into `require()`.
 */
const importModule = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

let loading: Promise<NodeLlama> | undefined;

/**
 * Loads node-llama-cpp once per process: the one entry into llama.cpp's native code. Its
 * prebuilt binary for this platform comes from the optional `@node-llama-cpp/<platform>`
 * package; nothing is ever downloaded or compiled at run time.
 */
export function loadNodeLlamaCpp(): Promise<NodeLlama> {
  // require.resolve also tells the bundler that the app needs node-llama-cpp at run time.
  loading ??= importModule(
    pathToFileURL(require.resolve('node-llama-cpp')).href,
  ) as Promise<NodeLlama>;
  return loading;
}
