import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', 'dist', 'apps', 'dashboard');

/**
 * Writes `.gz` and `.br` beside every text asset, so the gateway serves them pre-compressed
 * (@fastify/static `preCompressed`) instead of compressing on each request.
 */
function precompress(): Plugin {
  return {
    name: 'dds-llm:precompress',
    apply: 'build',
    async closeBundle() {
      const files = await readdir(outDir, { recursive: true, withFileTypes: true });
      for (const f of files) {
        if (!f.isFile() || !/\.(html|js|css|svg|json)$/.test(f.name)) continue;
        const path = join(f.parentPath, f.name);
        const body = await readFile(path);
        await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
        await writeFile(
          `${path}.br`,
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

/** The dashboard page, served by the gateway under `/dashboard/` (see apps/gateway). */
export default defineConfig({
  root: here,
  base: '/dashboard/',
  plugins: [precompress()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `nx serve dashboard` for UI work against a gateway on :8080.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
