/**
 * Keeps every test's DDS traffic on loopback, unless the caller chose a CycloneDDS configuration
 * already. Required by jest.preset.js when jest loads its configuration, i.e. in jest's own
 * process before it forks workers: CycloneDDS reads the real environment of the process, not the
 * copy of `process.env` that jest hands to each test file, so a `setupFiles` entry would not reach
 * participants created inside tests (processes that tests spawn inherit it either way).
 */
const { join } = require('node:path');

process.env.CYCLONEDDS_URI ??= `file://${join(__dirname, '..', 'dds', 'cyclonedds-loopback.xml')}`;
