/**
 * Makes the llama.cpp test fixtures (cached; a no-op when they exist) and prints where they are:
 *
 *   node -r @swc-node/register tools/llama/src/cli.ts models   # the tiny GGUF models
 *   node -r @swc-node/register tools/llama/src/cli.ts server   # llama-server built from the bundle
 */
import { ensureLlamaModels, ensureLlamaServer, LlamaFixtureError } from './lib/fixtures';

const what = process.argv[2] ?? 'models';
try {
  if (what === 'models') {
    process.stdout.write(`${JSON.stringify(ensureLlamaModels(), null, 2)}\n`);
  } else if (what === 'server') {
    const bin = ensureLlamaServer((line) => process.stderr.write(`[llama-server] ${line}\n`));
    process.stdout.write(`${bin}\n`);
  } else {
    process.stderr.write(`usage: cli.ts models|server (got ${what})\n`);
    process.exitCode = 2;
  }
} catch (e) {
  if (!(e instanceof LlamaFixtureError)) throw e;
  process.stderr.write(`llama-fixtures: ${e.message}\n`);
  process.exitCode = 1;
}
