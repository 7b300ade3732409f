module.exports = {
  displayName: 'dds-security',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/tools/dds-security',
  testTimeout: 30000,
};
