import nx from '@nx/eslint-plugin';

/**
 * Module boundaries that mean something:
 * - libs never import apps; only `dds-transport` is native (`type:native`);
 * - the orchestration core (`scope:core`: registry, scheduler, selector, context) is pure logic and
 *   may only use other core libs and the shared wire format, never a transport;
 * - the wire format (`scope:shared`) stands alone;
 * - the transport (`scope:transport`) is a product on its own and imports nothing of ours.
 */
export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/build', '**/node_modules', '**/.nx', '**/coverage', '**/tmp'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            // type:util (@dds/common) is the bottom layer: primitives every project may share, and
            // which depend on nothing of ours, so that no lib ever needs its own copy of them.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:lib', 'type:native', 'type:util'],
            },
            {
              sourceTag: 'type:lib',
              onlyDependOnLibsWithTags: ['type:lib', 'type:native', 'type:util'],
            },
            { sourceTag: 'type:native', onlyDependOnLibsWithTags: ['type:native', 'type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            {
              sourceTag: 'scope:transport',
              onlyDependOnLibsWithTags: ['scope:transport', 'scope:shared'],
            },
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:core', 'scope:shared'] },
            {
              sourceTag: 'scope:protocol',
              onlyDependOnLibsWithTags: ['scope:protocol', 'scope:transport', 'scope:shared'],
            },
            {
              sourceTag: 'scope:agent',
              onlyDependOnLibsWithTags: [
                'scope:agent',
                'scope:protocol',
                'scope:transport',
                'scope:shared',
              ],
            },
            {
              sourceTag: 'scope:gateway',
              onlyDependOnLibsWithTags: [
                'scope:gateway',
                'scope:core',
                'scope:protocol',
                'scope:transport',
                'scope:shared',
              ],
            },
            // The dashboard is a browser bundle: nothing of ours but the wire format fits in it.
            { sourceTag: 'scope:dashboard', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:bench', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
];
