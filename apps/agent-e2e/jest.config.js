module.exports = {
  displayName: 'agent-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/agent-e2e',
  // Makes the GGUF fixtures and builds llama-server once (cached by source hash; the first
  // build takes minutes on 2 cores), before any test's timeout runs.
  globalSetup: '<rootDir>/src/support/global-setup.ts',
  // Real processes: a gateway, dds-llm-agent with llama.cpp in it, llama-server.
  testTimeout: 120_000,
};
