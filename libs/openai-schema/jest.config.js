module.exports = {
  displayName: 'openai-schema',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/openai-schema',
  // The SDK tests import the AI SDK, which ships ES modules only.
  ...require('../../tools/jest/esm-packages'),
};
