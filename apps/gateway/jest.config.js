module.exports = {
  displayName: 'gateway',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/gateway',
  // e2e suites start real processes (gateways, simulated agents); give them room on a busy machine.
  testTimeout: 30_000,
  // The API e2e suites drive the AI SDK, which ships ES modules only.
  ...require('../../tools/jest/esm-packages'),
};
