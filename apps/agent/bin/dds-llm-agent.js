#!/usr/bin/env node
// dds-llm-agent from the TypeScript sources (the production build is dist/apps/agent/main.js).
// Like `npm start`, DDS stays on loopback unless CYCLONEDDS_URI names another configuration,
// so an agent and a gateway on one machine find each other at once.
'use strict';
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const root = join(__dirname, '..', '..', '..');
process.env.CYCLONEDDS_URI ??= pathToFileURL(
  join(root, 'tools', 'dds', 'cyclonedds-loopback.xml'),
).href;
require('@swc-node/register');
require('../src/main.ts');
