#!/usr/bin/env node
'use strict';
/**
 * Generates TypeScript for every `test/fixtures/*.idl` into the git-ignored `tmp/generated/`
 * with the lib's own `dds-idl` (so tests always exercise the current generator). Used as jest
 * `globalSetup` and as the Nx target `dds-transport:codegen-test`.
 */
const { execFileSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const fixtures = join(root, 'test', 'fixtures');
const out = join(root, 'tmp', 'generated');

function generate() {
  for (const f of readdirSync(fixtures).filter((n) => n.endsWith('.idl'))) {
    execFileSync(
      process.execPath,
      [join(root, 'bin', 'dds-idl.js'), 'gen', join(fixtures, f), '-o', out],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
}

module.exports = generate;
if (require.main === module) generate();
