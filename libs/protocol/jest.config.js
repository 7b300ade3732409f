module.exports = {
  displayName: 'protocol',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/protocol',
  // DDS discovery and child processes take longer than jest's 5 s default on a busy 2-core box.
  testTimeout: 30000,
};
