import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readmeGenArgs, writeReadmeExample } from './readme-example';

/**
 * The README example works as written inside the monorepo too: generated with the lib's own
 * `dds-idl`, run with @swc-node/register (which resolves `@dds/transport` through the root
 * tsconfig paths). Domain 32.
 */
const root = join(__dirname, '..', '..', '..', '..');
const lib = join(root, 'libs', 'dds-transport');
const dir = join(lib, 'tmp', 'readme-example');

jest.setTimeout(120_000);

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
});

it('generates, publishes and receives as the README says', () => {
  expect(writeReadmeExample(dir)).toEqual(['sensor.idl', 'src/main.ts']);
  execFileSync(process.execPath, [join(lib, 'bin', 'dds-idl.js'), ...readmeGenArgs()], {
    cwd: dir,
    stdio: 'pipe',
  });
  const out = execFileSync(
    process.execPath,
    ['-r', '@swc-node/register', join(dir, 'src', 'main.ts')],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DDS_DOMAIN: '32', TS_NODE_PROJECT: join(root, 'tsconfig.json') },
    },
  );
  expect(out).toBe('received kitchen-thermometer-01 = 21.5\n');
});
