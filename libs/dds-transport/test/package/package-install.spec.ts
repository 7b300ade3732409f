import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readmeGenArgs, writeReadmeExample } from './readme-example';

/**
 * The packed tarball installs into a fresh project outside the repo (building its addon there
 * against the system libddsc), exposes `dds-idl`, ships types, and the README example works in
 * it as written: generate from the IDL, compile with tsc --strict, publish and subscribe.
 * Domain 31.
 */
const root = join(__dirname, '..', '..', '..', '..');
const lib = join(root, 'libs', 'dds-transport');
let project: string;

jest.setTimeout(300_000);

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'dds-transport-pkg-'));
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/**
 * The package's runtime dependencies and theirs, packed from the monorepo's node_modules, so the
 * install needs no registry at all. Taken from the package's own package.json: a dependency it
 * forgot to declare is not installed and the example fails.
 */
function packDependencies(into: string): string[] {
  mkdirSync(into, { recursive: true });
  const manifest = (dir: string) =>
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
  const seen = new Set<string>();
  const queue = Object.keys(manifest(lib).dependencies ?? {});
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...Object.keys(manifest(join(root, 'node_modules', name)).dependencies ?? {}));
  }
  return [...seen].map((name) => {
    const file = sh(
      'npm',
      ['pack', '--ignore-scripts', '--loglevel=error', join(root, 'node_modules', name)],
      into,
    )
      .trim()
      .split('\n')
      .pop() as string;
    return join(into, file);
  });
}

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
}

it('installs from the tarball outside the repo and runs the README example', () => {
  const tarball = sh(process.execPath, [join(lib, 'scripts', 'pack.js')], root)
    .trim()
    .split('\n')
    .pop() as string;
  expect(tarball).toMatch(/dds-transport-\d+\.\d+\.\d+\.tgz$/);

  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'outside', version: '1.0.0', private: true }),
  );
  // Offline: dependencies come as tarballs too; node-gyp uses the installed Node headers.
  const deps = packDependencies(join(project, 'deps'));
  expect(deps.map((d) => d.replace(/^.*\//, '').replace(/-\d.*$/, '')).sort()).toEqual([
    'commander',
    'node-addon-api',
    'rxjs',
    'tslib',
  ]);
  const nodedir = existsSync('/usr/include/node/node_api.h') ? { npm_config_nodedir: '/usr' } : {};
  sh(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...deps],
    project,
    nodedir,
  );
  const pkg = join(project, 'node_modules', '@dds', 'transport');
  expect(existsSync(join(pkg, 'build', 'Release', 'dds_transport.node'))).toBe(true);
  expect(existsSync(join(pkg, 'index.d.ts'))).toBe(true);

  expect(writeReadmeExample(project)).toEqual(['sensor.idl', 'src/main.ts']);
  expect(sh(join(project, 'node_modules', '.bin', 'dds-idl'), readmeGenArgs(), project)).toContain(
    'src/generated/sensor.ts',
  );
  // The installed package's own types must be enough for a strict compile of the example.
  sh(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--strict',
      '--target',
      'es2022',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node',
      '--skipLibCheck',
      '--rootDir',
      'src',
      '--outDir',
      'out',
      '--typeRoots',
      join(root, 'node_modules', '@types'),
      '--types',
      'node',
      'src/main.ts',
    ],
    project,
  );
  const out = sh(process.execPath, ['out/main.js'], project, { DDS_DOMAIN: '31' });
  expect(out).toBe('received kitchen-thermometer-01 = 21.5\n');
});

it('reports bad IDL with a position and exit status 1', () => {
  const bin = join(project, 'node_modules', '.bin', 'dds-idl');
  writeFileSync(join(project, 'bad.idl'), 'module m {\n  struct S { wstring w; };\n};\n');
  let status = 0;
  let stderr = '';
  try {
    sh(bin, ['gen', 'bad.idl', '-o', 'gen'], project);
  } catch (e) {
    status = (e as { status: number }).status;
    stderr = (e as { stderr: string }).stderr;
  }
  expect(status).toBe(1);
  expect(stderr).toBe("dds-idl: bad.idl:2:14: type 'wstring' is not supported\n");
});
