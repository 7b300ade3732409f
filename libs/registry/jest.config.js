module.exports = {
  displayName: 'registry',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/registry',
};
