// jest loads its globalSetup with Node's resolver, which knows no tsconfig paths (@dds/*).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { ensureLlamaModels, ensureLlamaServer } from '../../../../tools/llama/src';

/** The fixtures every suite needs, made (or found in the cache) before the suites start. */
export default function globalSetup(): void {
  ensureLlamaModels();
  ensureLlamaServer((line) => process.stderr.write(`[llama-fixtures] ${line}\n`));
}
