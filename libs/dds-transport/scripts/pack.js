#!/usr/bin/env node
'use strict';
/**
 * Builds the npm package of @dds/transport (Nx target `dds-transport:pack`):
 * compiles src/ (without tests) to CommonJS + .d.ts in dist/libs/dds-transport, copies the native
 * sources, binding.gyp, the CLI shim, README and package.json, then `npm pack`s it into
 * dist/libs/. The package builds its addon on install (node-gyp against the system libddsc).
 * Prints the tarball path as its last line.
 */
const { execFileSync } = require('node:child_process');
const { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const lib = join(__dirname, '..');
const root = join(lib, '..', '..');
const out = join(root, 'dist', 'libs', 'dds-transport');

function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  // A throw-away tsconfig in the lib's git-ignored tmp/: same strictness as the repo, but
  // declarations on, no tslib import helpers (one dependency less), no tests.
  const tmp = join(lib, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const tsconfig = join(tmp, 'tsconfig.pack.json');
  writeFileSync(
    tsconfig,
    JSON.stringify(
      {
        extends: relative(tmp, join(root, 'tsconfig.base.json')),
        compilerOptions: {
          rootDir: relative(tmp, join(lib, 'src')),
          outDir: relative(tmp, out),
          declaration: true,
          sourceMap: false,
          importHelpers: false,
          emitDecoratorMetadata: false,
          experimentalDecorators: false,
          noEmit: false,
          types: ['node'],
          paths: {},
        },
        include: [relative(tmp, join(lib, 'src', '**', '*.ts'))],
        exclude: [relative(tmp, join(lib, 'src', '**', '*.spec.ts'))],
      },
      null,
      2,
    ),
  );
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], {
    stdio: 'inherit',
    cwd: root,
  });

  for (const p of ['native', 'binding.gyp', 'README.md', 'package.json']) {
    cpSync(join(lib, p), join(out, p), { recursive: true });
  }
  mkdirSync(join(out, 'bin'), { recursive: true });
  cpSync(join(lib, 'bin', 'dds-idl.js'), join(out, 'bin', 'dds-idl.js'));

  execFileSync(
    'npm',
    ['pack', '--pack-destination', join(root, 'dist', 'libs'), '--loglevel=error'],
    {
      cwd: out,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const tgz = readdirSync(join(root, 'dist', 'libs')).find(
    (f) => f.endsWith('.tgz') && f.startsWith('dds-transport-'),
  );
  if (!tgz) throw new Error('npm pack produced no tarball');
  process.stdout.write(`${join(root, 'dist', 'libs', tgz)}\n`);
}

main();
