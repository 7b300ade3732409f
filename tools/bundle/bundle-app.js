#!/usr/bin/env node
/**
 * The production build of an app: one CommonJS bundle per entry point that runs with plain
 * `node dist/<project>/<entry>.js`, the target every app's `build` uses (nx.json targetDefaults).
 *
 *   node tools/bundle/bundle-app.js <projectRoot> [--entry src/main.ts]...
 *
 * - TypeScript is transpiled by SWC with legacy decorators and their metadata (NestJS DI reads
 *   `design:paramtypes`, which esbuild alone does not emit), as a CommonJS module: the same
 *   module semantics as `nx serve` (@swc-node/register) and the tests (@swc/jest).
 * - esbuild bundles the workspace: `@dds/*` resolve through tsconfig.base.json `paths`, so no
 *   alias is left, and code generated from IDL (`src/generated/`) is included.
 * - npm packages stay external, resolved from `node_modules` at run time. Each one the bundle
 *   imports must be a production dependency of the root package.json (the build fails
 *   otherwise); `meta.json` (esbuild's metafile) records them for tools/bundle/check-runtime-deps.js.
 * - When the bundle contains `@dds/transport`'s addon loader, the built addon is copied beside
 *   it: the loader looks next to the bundle (`__dirname`) too.
 * - Source maps beside each bundle (`main.js.map`, chained through SWC's); run with
 *   `node --enable-source-maps` for TypeScript positions in stack traces.
 */
'use strict';

const { builtinModules } = require('node:module');
const {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} = require('node:fs');
const { basename, extname, join, relative, resolve } = require('node:path');
const { parseArgs } = require('node:util');
const esbuild = require('esbuild');
const swc = require('@swc/core');

const ROOT = resolve(__dirname, '..', '..');
const ADDON = join(ROOT, 'libs', 'dds-transport', 'build', 'Release', 'dds_transport.node');
const ADDON_LOADER = join(ROOT, 'libs', 'dds-transport', 'src', 'lib', 'load-addon.ts');
const BUILTINS = new Set(builtinModules);

/** The SWC options of jest.preset.js, as a CommonJS module with its source map inline. */
const SWC_OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs', strictMode: true },
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Transpiles the workspace's TypeScript with SWC (decorator metadata) before esbuild sees it. */
const swcPlugin = {
  name: 'swc-decorator-metadata',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const out = await swc.transform(source, { ...SWC_OPTIONS, filename: path });
      return { contents: out.code, loader: 'js', resolveDir: resolve(path, '..') };
    });
  },
};

/** Keeps npm packages external and records which ones the bundle needs at run time. */
function externalsPlugin(used) {
  return {
    name: 'npm-externals',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path }) => {
        // Workspace libraries are bundled (tsconfig paths); so are absolute paths.
        if (path.startsWith('@dds/')) return undefined;
        const name = path.startsWith('node:') ? path : packageName(path);
        if (path.startsWith('node:') || BUILTINS.has(name)) return { path, external: true };
        used.add(name);
        return { path, external: true };
      });
    },
  };
}

async function bundle(projectRoot, entries) {
  const project = resolve(ROOT, projectRoot);
  if (!existsSync(join(project, 'project.json'))) {
    throw new Error(`${projectRoot}: no project.json (give the project's root, e.g. apps/gateway)`);
  }
  const outdir = join(ROOT, 'dist', relative(ROOT, project));
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });

  const used = new Set();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: entries.map((e) => join(project, e)),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    tsconfig: join(ROOT, 'tsconfig.base.json'),
    sourcemap: 'linked',
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
    // The addon loader's require() of a path it found at run time is meant to stay dynamic.
    logOverride: { 'unsupported-require-call': 'silent' },
    plugins: [externalsPlugin(used), swcPlugin],
  });

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const prod = pkg.dependencies ?? {};
  const missing = [...used].filter((name) => !(name in prod)).sort();
  if (missing.length > 0) {
    throw new Error(
      `${projectRoot} imports ${missing.join(', ')} at run time, but package.json lists ` +
        `${missing.length > 1 ? 'them' : 'it'} outside "dependencies": move ` +
        `${missing.length > 1 ? 'them' : 'it'} there (a production install would lack ` +
        `${missing.length > 1 ? 'them' : 'it'})`,
    );
  }
  const meta = { ...result.metafile, runtimeDependencies: [...used].sort() };
  writeFileSync(join(outdir, 'meta.json'), JSON.stringify(meta));

  if (Object.keys(result.metafile.inputs).some((input) => resolve(ROOT, input) === ADDON_LOADER)) {
    if (!existsSync(ADDON)) {
      throw new Error(
        `${relative(ROOT, ADDON)} missing: run npx nx run dds-transport:build-native`,
      );
    }
    copyFileSync(ADDON, join(outdir, basename(ADDON)));
  }
  const outputs = Object.keys(result.metafile.outputs).filter((o) => extname(o) === '.js');
  for (const out of outputs) {
    const bytes = result.metafile.outputs[out].bytes;
    process.stdout.write(`${out}  ${(bytes / 1024).toFixed(0)} KiB\n`);
  }
  process.stdout.write(`runtime dependencies: ${[...used].sort().join(', ') || '(none)'}\n`);
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { entry: { type: 'string', multiple: true } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: bundle-app.js <projectRoot> [--entry src/main.ts]...\n');
    process.exit(2);
  }
  bundle(positionals[0], values.entry ?? ['src/main.ts']).catch((err) => {
    process.stderr.write(`bundle-app: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

main();
