module.exports = {
  displayName: 'dds-llm-agent',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/agent',
  // DDS discovery and child processes take longer than jest's 5 s default on a busy 2-core box.
  testTimeout: 30000,
};
