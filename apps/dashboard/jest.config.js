module.exports = {
  displayName: 'dashboard',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/dashboard',
};
