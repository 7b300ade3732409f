module.exports = {
  displayName: 'dds-transport',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/dds-transport',
  // DDS discovery and child processes take longer than jest's 5 s default on a busy 2-core box.
  testTimeout: 30000,
  // Generated code from test/fixtures/*.idl and test/runtime/fixtures/*.idl (dds-idl gen into the
  // git-ignored tmp/generated).
  globalSetup: '<rootDir>/scripts/codegen-fixtures.js',
};
