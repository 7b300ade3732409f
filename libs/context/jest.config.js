module.exports = {
  displayName: 'context',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/context',
};
