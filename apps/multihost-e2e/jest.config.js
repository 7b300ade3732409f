module.exports = {
  displayName: 'multihost-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/multihost-e2e',
  // Real processes in network namespaces: gateways, simulators, tcpdump. Needs root.
  testTimeout: 120_000,
};
