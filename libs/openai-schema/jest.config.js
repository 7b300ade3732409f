module.exports = {
  displayName: 'openai-schema',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/openai-schema',
};
