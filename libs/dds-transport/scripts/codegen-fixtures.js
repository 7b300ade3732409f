#!/usr/bin/env node
'use strict';
/**
 * Generates TypeScript for every test IDL with the lib's own `dds-idl` (so tests always exercise
 * the current generator): `test/fixtures/*.idl` into the git-ignored `tmp/generated/`,
 * `test/runtime/fixtures/*.idl` into `tmp/generated/runtime/`, with `test/fixtures/inc` on the
 * include path. Used from jest's globalSetup and
 * as the Nx target `dds-transport:codegen-test` (which typecheck and test depend on).
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
// What the fixtures `#include` (generated along with the files that include it).
const INCLUDE = join(root, 'test', 'fixtures', 'inc');
const dirs = [
  [join(root, 'test', 'fixtures'), join(root, 'tmp', 'generated')],
  [join(root, 'test', 'runtime', 'fixtures'), join(root, 'tmp', 'generated', 'runtime')],
];

function generate() {
  for (const [fixtures, out] of dirs) generateDir(fixtures, out);
}

function generateDir(fixtures, out) {
  if (!existsSync(fixtures)) return;
  for (const f of readdirSync(fixtures).filter((n) => n.endsWith('.idl'))) {
    execFileSync(
      process.execPath,
      [join(root, 'bin', 'dds-idl.js'), 'gen', join(fixtures, f), '-o', out, '-I', INCLUDE],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
}

module.exports = generate;
if (require.main === module) generate();
