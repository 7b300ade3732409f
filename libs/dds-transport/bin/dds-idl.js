#!/usr/bin/env node
'use strict';
// Runs the compiled CLI when installed from the package tarball (dist layout), or the
// TypeScript sources through @swc-node/register inside the monorepo.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'codegen', 'cli.js');
let cli;
if (existsSync(compiled)) {
  cli = require(compiled);
} else {
  require('@swc-node/register');
  cli = require(join(__dirname, '..', 'src', 'codegen', 'cli.ts'));
}
process.exitCode = cli.main(process.argv.slice(2));
