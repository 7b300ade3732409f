module.exports = {
  displayName: 'netns',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/tools/netns',
  testTimeout: 30000,
};
