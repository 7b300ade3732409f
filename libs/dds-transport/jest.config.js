module.exports = {
  displayName: 'dds-transport',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/dds-transport',
  // DDS discovery and child processes take longer than jest's 5 s default on a busy 2-core box.
  testTimeout: 30000,
  // Generates the TypeScript of the test IDL files into tmp/generated/ with the lib's own dds-idl.
  globalSetup: '<rootDir>/test/runtime/global-setup.js',
  // Generated code from test/fixtures/*.idl (dds-idl gen into the git-ignored tmp/generated).
  globalSetup: '<rootDir>/scripts/codegen-fixtures.js',
};
