/**
 * `transformIgnorePatterns` that let SWC compile the ESM-only SDKs the API tests drive (the
 * Vercel AI SDK, `@ai-sdk/*`, and the ESM-only parts of their dependency tree) and the gateway's
 * own ESM-only dependencies (`content-disposition`, under `@fastify/static`) to CommonJS, as jest
 * runs test files: jest's CommonJS module runtime does not `require()` ES modules here.
 */
const ESM_ONLY = [
  'ai',
  '@ai-sdk',
  '@vercel/oidc',
  '@workflow',
  '@standard-schema',
  'eventsource-parser',
  'zod',
  'content-disposition',
];

module.exports = {
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};
