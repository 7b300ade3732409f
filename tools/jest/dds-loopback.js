/**
 * Jest setup: keeps every test's DDS traffic (and that of the processes tests spawn, which inherit
 * the environment) on loopback, unless the caller chose a CycloneDDS configuration already.
 */
const { join } = require('node:path');

process.env.CYCLONEDDS_URI ??= `file://${join(__dirname, '..', 'dds', 'cyclonedds-loopback.xml')}`;
