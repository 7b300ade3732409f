/**
 * `transformIgnorePatterns` that let SWC compile the ESM-only SDKs the API tests drive (the
 * Vercel AI SDK, `@ai-sdk/*`, and the ESM-only parts of their dependency tree) to CommonJS, as
 * jest runs test files: on Node < 24.9 jest cannot `require()` an ES module itself.
 */
const ESM_ONLY = [
  'ai',
  '@ai-sdk',
  '@vercel/oidc',
  '@workflow',
  '@standard-schema',
  'eventsource-parser',
  'zod',
];

module.exports = {
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};
