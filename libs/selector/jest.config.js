module.exports = {
  displayName: 'selector',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/selector',
};
