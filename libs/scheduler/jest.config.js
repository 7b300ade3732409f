module.exports = {
  displayName: 'scheduler',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/scheduler',
};
