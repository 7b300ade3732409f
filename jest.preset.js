require('./tools/jest/dds-loopback');
const nxPreset = require('@nx/jest/preset').default;

/**
 * Shared jest settings. SWC transpiles TypeScript (with legacy decorators and their metadata,
 * which NestJS and class-validator need); type-checking is the `typecheck` target's job, so
 * tests start fast on a 2-core machine.
 */
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  testMatch: ['**/?(*.)+(spec|test).ts'],
};
