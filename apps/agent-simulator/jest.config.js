module.exports = {
  displayName: 'agent-simulator',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/agent-simulator',
  // DDS discovery and child processes take longer than jest's 5 s default on a busy 2-core box.
  testTimeout: 30000,
};
