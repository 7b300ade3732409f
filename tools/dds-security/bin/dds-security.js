#!/usr/bin/env node
// Runs the TypeScript CLI through @swc-node/register (see src/cli.ts for the commands).
require('@swc-node/register');
require('../src/cli.ts');
