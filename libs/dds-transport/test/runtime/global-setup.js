'use strict';
/**
 * Jest globalSetup of the lib: generates the TypeScript of every test IDL into the git-ignored
 * `tmp/generated/` with the lib's own `dds-idl`, so tests always use the current generator.
 * Codec fixtures (`test/fixtures/*.idl`) go to `tmp/generated/`, runtime fixtures
 * (`test/runtime/fixtures/*.idl`) to `tmp/generated/runtime/`.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');

function generateDir(fixtures, out) {
  if (!existsSync(fixtures)) return;
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

module.exports = function generate() {
  // The codec fixtures have their own generator script; the runtime fixtures go next to them.
  require(join(root, 'scripts', 'codegen-fixtures.js'))();
  generateDir(join(root, 'test', 'runtime', 'fixtures'), join(root, 'tmp', 'generated', 'runtime'));
};
if (require.main === module) module.exports();
