/**
 * No Docker engine runs here, so docker/ is checked by construction: every file the Dockerfiles
 * and compose.yaml copy, mount or run must exist in the repository (and survive .dockerignore) or
 * be built by an Nx target the image runs, every Nx target and npm script they invoke must exist,
 * every flag they pass must be one the gateway's / simulator's CLI accepts (read from the real
 * `--help` of the bundles the images run), every package a copied bundle imports must survive the
 * prune, and the images must run as a non-root user. The checkers return a list of problems; bad
 * snippets below prove they fail. Needs the production builds (`gateway:test` depends on
 * `gateway:build`, which builds the simulator too).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, posix, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { BUNDLED_DASHBOARD_ASSETS } from '../src/dashboard/dashboard-assets';
import { BUNDLED_SIMULATOR_MAIN } from '../src/fleet/fleet-launcher.service';

const ROOT = resolve(__dirname, '../../..');
const DOCKER_DIR = join(ROOT, 'docker');
const COMPOSE_FILE = join(DOCKER_DIR, 'compose.yaml');
const run = promisify(execFile);

// ---- Dockerfile parsing ----------------------------------------------------------------------

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly name?: string;
  readonly base: string;
  readonly instructions: Instruction[];
}

/** Logical instructions grouped by stage (continuations joined, comments and directives dropped). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    // Comment lines are removed even inside a continuation, as Docker does.
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim()) logical.push(current.trim());
    current = '';
  }
  if (current.trim()) logical.push(current.trim());

  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    const args = m[2].trim();
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ base: from?.[1] ?? args, name: from?.[2], instructions: [] });
      continue;
    }
    if (!stages.length) throw new Error(`${keyword} before the first FROM`);
    stages[stages.length - 1].instructions.push({ keyword, args });
  }
  return stages;
}

/** Exec form (JSON array) or shell form split on whitespace. */
function argv(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return args.split(/\s+/).filter(Boolean);
}

interface Copy {
  readonly from?: string;
  readonly sources: string[];
  /** Absolute destination of each source inside the image. */
  readonly targets: string[];
}

function copies(stage: Stage): Copy[] {
  const out: Copy[] = [];
  let workdir = '/';
  for (const ins of stage.instructions) {
    if (ins.keyword === 'WORKDIR') workdir = posix.resolve(workdir, ins.args);
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const tokens = argv(ins.args);
    const from = tokens.find((t) => t.startsWith('--from='))?.slice('--from='.length);
    const paths = tokens.filter((t) => !t.startsWith('--'));
    const dest = posix.resolve(workdir, paths[paths.length - 1]);
    const sources = paths.slice(0, -1);
    const intoDir = sources.length > 1 || paths[paths.length - 1].endsWith('/');
    const targets = sources.map((s) =>
      intoDir && s !== '.' ? posix.join(dest, basename(s)) : dest,
    );
    out.push({ from, sources, targets });
  }
  return out;
}

function workdirOf(stage: Stage): string {
  let workdir = '/';
  for (const ins of stage.instructions) {
    if (ins.keyword === 'WORKDIR') workdir = posix.resolve(workdir, ins.args);
  }
  return workdir;
}

function lastArgs(stage: Stage, keyword: string): string | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).pop()?.args;
}

function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g))
      env.set(m[1], m[2].replace(/"/g, ''));
  }
  return env;
}

// ---- Facts about the repository --------------------------------------------------------------

type DependsOn = string | { target: string; projects?: string[] | string; dependencies?: boolean };

interface Target {
  outputs?: string[];
  dependsOn?: DependsOn[];
}

interface Project {
  readonly root: string;
  /** project.json targets, each over nx.json's targetDefaults for its name (as Nx merges them). */
  readonly targets: Record<string, Target>;
}

interface RepoFacts {
  readonly projects: Map<string, Project>;
  readonly scripts: Set<string>;
  /** Production dependencies: what is left after `npm prune --omit=dev`. */
  readonly dependencies: Set<string>;
  /** Flags each entry script's CLI accepts, by repo-relative path. */
  readonly cliFlags: Map<string, Set<string>>;
  /** .dockerignore patterns as regular expressions on repo-relative paths. */
  readonly ignored: RegExp[];
  /** package-lock.json's packages: `dev: true` ones are gone after `npm prune --omit=dev`. */
  readonly lock: Record<string, { dev?: boolean }>;
}

function readProjects(): Map<string, Project> {
  const nx = JSON.parse(readFileSync(join(ROOT, 'nx.json'), 'utf8')) as {
    targetDefaults?: Record<string, Target>;
  };
  const projects = new Map<string, Project>();
  for (const group of ['apps', 'libs']) {
    for (const dir of readdirSync(join(ROOT, group))) {
      const file = join(ROOT, group, dir, 'project.json');
      if (!existsSync(file)) continue;
      const json = JSON.parse(readFileSync(file, 'utf8')) as {
        name: string;
        targets?: Record<string, Target>;
      };
      const targets = Object.fromEntries(
        Object.entries(json.targets ?? {}).map(([name, t]) => [
          name,
          { ...nx.targetDefaults?.[name], ...t },
        ]),
      );
      projects.set(json.name, { root: `${group}/${dir}`, targets });
    }
  }
  return projects;
}

/**
 * Repo-relative paths `nx run project:target` writes: its own outputs and those of every task
 * it depends on (`^t` over every project that has `t`: a superset of the real dependencies,
 * which is all a "was it built" check needs).
 */
function outputsOf(
  projects: Map<string, Project>,
  name: string,
  target: string,
  seen = new Set<string>(),
): string[] {
  const key = `${name}:${target}`;
  const project = projects.get(name);
  const t = project?.targets[target];
  if (!project || !t || seen.has(key)) return [];
  seen.add(key);
  const own = (t.outputs ?? []).map((o) =>
    o
      .replace('{projectRoot}', project.root)
      .replace('{workspaceRoot}/', '')
      .replace('{workspaceRoot}', ''),
  );
  const upstream = (t.dependsOn ?? []).flatMap((d) => {
    if (typeof d === 'string') {
      if (!d.startsWith('^')) return outputsOf(projects, name, d, seen);
      return [...projects.keys()].flatMap((p) => outputsOf(projects, p, d.slice(1), seen));
    }
    const names =
      d.projects === undefined
        ? [name]
        : typeof d.projects === 'string'
          ? [d.projects]
          : d.projects;
    return names.flatMap((p) => outputsOf(projects, p, d.target, seen));
  });
  return [...own, ...upstream];
}

/** The subset of .dockerignore syntax we use: `name`, `dir/name`, `**` and `*` prefixes. */
function dockerignorePatterns(text: string): RegExp[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    .map((p) => {
      const body = p
        .replace(/^\/+/, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(?:.*/)?')
        .replace(/\*(?![^(]*\))/g, '[^/]*');
      // A match excludes the path and everything under it.
      return new RegExp(`^${body}(?:/.*)?$`);
    });
}

/** Flags a commander CLI prints in `--help` (`--no-http`, `-c, --config <file>` …). */
function flagsFromHelp(help: string): Set<string> {
  return new Set([...help.matchAll(/(?:^|[\s,])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1]));
}

/** The flags of the CLI a (built) entry script runs, from its `--help`. */
async function cliFlags(entry: string): Promise<Set<string>> {
  const { stdout } = await run(process.execPath, [entry, '--help'], {
    cwd: ROOT,
    timeout: 60_000,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return flagsFromHelp(stdout);
}

function relativeToRoot(p: string): string {
  return relative(ROOT, p).split('\\').join('/');
}

// ---- Checks ----------------------------------------------------------------------------------

const ROOT_USERS = new Set(['root', '0', 'root:root', '0:0']);

/** What the image's final stage contains at `path` (absolute): some COPY put it there. */
function presentIn(stage: Stage, path: string): boolean {
  return copies(stage).some((c) =>
    c.targets.some((t) => path === t || path.startsWith(t.endsWith('/') ? t : `${t}/`)),
  );
}

/** Problems in one Dockerfile; the build context is the repository root. */
function checkDockerfile(text: string, facts: RepoFacts): string[] {
  const problems: string[] = [];
  const stages = parseDockerfile(text);
  if (stages.length < 2) problems.push('not multi-stage (one FROM)');
  const runtime = stages[stages.length - 1];
  const user = lastArgs(runtime, 'USER');
  if (!user) problems.push('runtime stage has no USER (runs as root)');
  else if (ROOT_USERS.has(user)) problems.push(`runtime stage runs as root (USER ${user})`);

  const isIgnored = (rel: string) => facts.ignored.some((re) => re.test(rel));
  const outputsRun = new Map<Stage, string[]>();
  const npmCi = new Set<Stage>();

  for (const stage of stages) {
    const outputs: string[] = [];
    outputsRun.set(stage, outputs);
    for (const ins of stage.instructions.filter((i) => i.keyword === 'RUN')) {
      for (const m of ins.args.matchAll(/\bnx run ([\w-]+):([\w-]+)/g)) {
        const project = facts.projects.get(m[1]);
        const target = project?.targets[m[2]];
        if (!project) problems.push(`RUN: no Nx project ${m[1]}`);
        else if (!target) problems.push(`RUN: Nx project ${m[1]} has no target ${m[2]}`);
        else outputs.push(...outputsOf(facts.projects, m[1], m[2]));
      }
      for (const m of ins.args.matchAll(/\bnpm run(?:-script)? ([\w:-]+)/g)) {
        if (!facts.scripts.has(m[1])) problems.push(`RUN: no npm script ${m[1]} in package.json`);
      }
      if (/\bnpm ci\b/.test(ins.args)) npmCi.add(stage);
    }
  }

  for (const stage of stages) {
    for (const c of copies(stage)) {
      if (c.from === undefined) {
        for (const src of c.sources) {
          const rel = posix.normalize(src).replace(/\/$/, '');
          if (!existsSync(join(ROOT, rel))) problems.push(`COPY ${src}: not in the repository`);
          else if (rel !== '.' && isIgnored(rel))
            problems.push(`COPY ${src}: excluded by .dockerignore`);
        }
        continue;
      }
      const source = stages.find((s) => s.name === c.from);
      if (!source || stages.indexOf(source) >= stages.indexOf(stage)) {
        problems.push(`COPY --from=${c.from}: no earlier stage of that name`);
        continue;
      }
      const sourceWorkdir = workdirOf(source);
      for (const src of c.sources) {
        const rel = posix.relative(sourceWorkdir, posix.resolve(sourceWorkdir, src));
        const built = (outputsRun.get(source) ?? []).some(
          (o) => rel === o || rel.startsWith(`${o}/`),
        );
        const installed =
          npmCi.has(source) && (rel === 'node_modules' || rel.startsWith('node_modules/'));
        const fromContext =
          existsSync(join(ROOT, rel)) &&
          !isIgnored(rel) &&
          presentIn(source, posix.join(sourceWorkdir, rel));
        if (!built && !installed && !fromContext) {
          problems.push(
            `COPY --from=${c.from} ${src}: neither in the repository nor built in that stage`,
          );
        }
      }
    }
  }

  problems.push(
    ...checkCommand(
      runtime,
      [...argv(lastArgs(runtime, 'ENTRYPOINT') ?? '[]'), ...argv(lastArgs(runtime, 'CMD') ?? '[]')],
      facts,
    ),
  );

  const uri = envOf(runtime).get('CYCLONEDDS_URI');
  if (uri !== undefined) {
    const path = uri.replace(/^file:\/\//, '');
    if (!presentIn(runtime, path))
      problems.push(`CYCLONEDDS_URI ${uri}: no COPY puts a file there`);
  }
  return problems;
}

/** The entry script a `node [-r mod]… script …` command line runs, if any. */
function entryScript(command: string[]): string | undefined {
  if (command[0] !== 'node') return undefined;
  for (let i = 1; i < command.length; i++) {
    if (command[i] === '-r' || command[i] === '--require') i++;
    else if (!command[i].startsWith('-')) return command[i];
  }
  return undefined;
}

/** The runtime command: node preloads are production deps, the script and its files are in the image, flags exist. */
function checkCommand(
  runtime: Stage,
  command: string[],
  facts: RepoFacts,
  script = entryScript(command),
): string[] {
  const problems: string[] = [];
  const workdir = workdirOf(runtime);
  if (command[0] === 'node') {
    command.forEach((a, i) => {
      if ((a === '-r' || a === '--require') && !facts.dependencies.has(command[i + 1])) {
        problems.push(
          `node -r ${command[i + 1]}: not a production dependency (pruned from the image)`,
        );
      }
    });
  }
  if (!script)
    return command.length
      ? [...problems, `runtime command ${command.join(' ')}: no node entry script`]
      : [...problems, 'no ENTRYPOINT/CMD'];
  if (!existsSync(join(ROOT, script)))
    problems.push(`entry script ${script}: neither in the repository nor built`);
  if (!presentIn(runtime, posix.resolve(workdir, script)))
    problems.push(`entry script ${script}: not copied into the runtime stage`);
  const flags = facts.cliFlags.get(script);
  const args = command.slice(command.indexOf(script) + 1);
  args.forEach((a, i) => {
    if (!a.startsWith('-')) return;
    const flag = a.split('=')[0];
    if (!flags) problems.push(`${flag}: no known CLI for ${script}`);
    else if (!flags.has(flag)) problems.push(`${flag}: not a flag of ${script}`);
    if (flag === '--config' || flag === '-c') {
      const value = a.includes('=') ? a.split('=')[1] : args[i + 1];
      if (!value || !existsSync(join(ROOT, value)))
        problems.push(`${flag} ${value}: not in the repository`);
      else if (!presentIn(runtime, posix.resolve(workdir, value)))
        problems.push(`${flag} ${value}: not copied into the image`);
    }
  });
  return problems;
}

interface ComposeService {
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number> | string[];
  volumes?: string[];
  ports?: string[];
  networks?: string[] | Record<string, unknown>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  hostname?: string;
}

/** Problems in a compose file located in `composeDir`. */
function checkCompose(text: string, composeDir: string, facts: RepoFacts): string[] {
  const problems: string[] = [];
  const doc = parseYaml(text, { merge: true }) as {
    services?: Record<string, ComposeService>;
    networks?: Record<string, unknown>;
  };
  const services = doc.services ?? {};
  if (!Object.keys(services).length) problems.push('no services');
  const images = new Map<string, Stage>();

  for (const [name, svc] of Object.entries(services)) {
    const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
    if (!build) {
      problems.push(`${name}: no build section (images are built from this repository)`);
      continue;
    }
    const context = resolve(composeDir, build.context ?? '.');
    const dockerfile = join(context, build.dockerfile ?? 'Dockerfile');
    if (context !== ROOT)
      problems.push(`${name}: build context ${build.context} is not the repository root`);
    if (!existsSync(dockerfile)) {
      problems.push(`${name}: Dockerfile ${relativeToRoot(dockerfile)} does not exist`);
      continue;
    }
    const stages = parseDockerfile(readFileSync(dockerfile, 'utf8'));
    const runtime = stages[stages.length - 1];
    images.set(name, runtime);

    const entrypoint = argv(lastArgs(runtime, 'ENTRYPOINT') ?? '[]');
    const command = typeof svc.command === 'string' ? argv(svc.command) : svc.command;
    if (command)
      problems.push(
        ...checkCommand(runtime, [...entrypoint, ...command], facts).map((p) => `${name}: ${p}`),
      );

    const mounts = new Map<string, string>();
    for (const v of svc.volumes ?? []) {
      const [host, target] = v.split(':');
      if (host.startsWith('.') || host.startsWith('/')) {
        const abs = resolve(composeDir, host);
        if (!existsSync(abs)) problems.push(`${name}: volume source ${host} does not exist`);
        mounts.set(target, relativeToRoot(abs));
      }
    }
    const env = Array.isArray(svc.environment)
      ? Object.fromEntries(svc.environment.map((e) => e.split('=', 2)))
      : (svc.environment ?? {});
    const uri = env['CYCLONEDDS_URI'];
    if (uri !== undefined) {
      const path = String(uri).replace(/^file:\/\//, '');
      if (!mounts.has(path) && !presentIn(runtime, path))
        problems.push(`${name}: CYCLONEDDS_URI ${uri} is neither mounted nor in the image`);
    }

    const exposed = new Set(
      runtime.instructions
        .filter((i) => i.keyword === 'EXPOSE')
        .flatMap((i) => argv(i.args))
        .flatMap((p) => {
          const [lo, hi = lo] = p
            .replace(/\/\w+$/, '')
            .split('-')
            .map(Number);
          return Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
        }),
    );
    for (const p of svc.ports ?? []) {
      const container = Number(
        String(p)
          .split(':')
          .pop()
          ?.replace(/\/\w+$/, ''),
      );
      if (!exposed.has(container))
        problems.push(`${name}: publishes ${container}, which the image does not EXPOSE`);
    }

    const nets = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks ?? {});
    for (const n of nets)
      if (!(n in (doc.networks ?? {}))) problems.push(`${name}: network ${n} is not declared`);

    if (!svc.healthcheck?.test && !lastArgs(runtime, 'HEALTHCHECK'))
      problems.push(`${name}: no healthcheck`);
  }

  for (const [name, svc] of Object.entries(services)) {
    const deps: [string, { condition?: string }][] = Array.isArray(svc.depends_on)
      ? svc.depends_on.map((d) => [d, {}])
      : Object.entries(svc.depends_on ?? {});
    for (const [dep, how] of deps) {
      const target = services[dep];
      if (!target) problems.push(`${name}: depends_on ${dep}, which is not a service`);
      else if (
        how.condition === 'service_healthy' &&
        !target.healthcheck?.test &&
        !(images.get(dep) && lastArgs(images.get(dep) as Stage, 'HEALTHCHECK'))
      ) {
        problems.push(`${name}: waits for ${dep} to be healthy, which has no healthcheck`);
      }
    }
  }
  return problems;
}

/** What tools/bundle/bundle-app.js records beside a bundle (esbuild's metafile, and more). */
interface BundleMeta {
  readonly inputs: Record<string, unknown>;
  readonly runtimeDependencies: string[];
}

/**
 * The code the runtime stage runs is the bundles it copies (directories with the `meta.json`
 * the build writes): every package they import must survive `npm prune --omit=dev`, the
 * stage must hold `node_modules` to resolve them from, and a bundle that loads the CycloneDDS
 * addon must have it beside it.
 */
function checkRuntimeImports(text: string, facts: RepoFacts): string[] {
  const stages = parseDockerfile(text);
  const runtime = stages[stages.length - 1];
  const workdir = workdirOf(runtime);
  const problems = new Set<string>();
  const bundles = copies(runtime).flatMap((c) => {
    const source = stages.find((s) => s.name === c.from);
    const base = source ? workdirOf(source) : '/';
    return c.sources
      .map((src, i) => ({ rel: posix.relative(base, posix.resolve(base, src)), to: c.targets[i] }))
      .filter(({ rel }) => existsSync(join(ROOT, rel, 'meta.json')));
  });
  if (!bundles.length)
    problems.add('the runtime stage copies no bundle (dist/<app> with meta.json)');
  for (const { rel, to } of bundles) {
    const meta = JSON.parse(readFileSync(join(ROOT, rel, 'meta.json'), 'utf8')) as BundleMeta;
    if (meta.runtimeDependencies.length && !presentIn(runtime, posix.join(workdir, 'node_modules')))
      problems.add(`${rel} needs node_modules, which the runtime stage does not copy`);
    for (const pkg of meta.runtimeDependencies) {
      const entry = facts.lock[`node_modules/${pkg}`];
      if (!entry) problems.add(`${rel} imports ${pkg}, which is not installed`);
      else if (entry.dev) problems.add(`${rel} imports ${pkg}, a dev dependency (pruned)`);
    }
    const loadsAddon = Object.keys(meta.inputs).some((i) => i.endsWith('/load-addon.ts'));
    if (loadsAddon && !existsSync(join(ROOT, rel, 'dds_transport.node')))
      problems.add(`${rel} loads the CycloneDDS addon, which is not beside it`);
    if (!to.startsWith(workdir + '/')) problems.add(`${rel} is copied outside ${workdir}`);
  }
  return [...problems];
}

// ---- Tests -----------------------------------------------------------------------------------

const GATEWAY_MAIN = 'dist/apps/gateway/main.js';
const SIMULATOR_MAIN = 'dist/apps/agent-simulator/main.js';
/** The Node major the images must run: the one tools/setup provisions. */
const NODE_MAJOR = /DDS_NODE_VERSION=(\d+)\./.exec(
  readFileSync(join(ROOT, 'tools/node-env.sh'), 'utf8'),
)?.[1];
let facts: RepoFacts;

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const [gatewayFlags, simulatorFlags] = await Promise.all([
    cliFlags(GATEWAY_MAIN),
    cliFlags(SIMULATOR_MAIN),
  ]);
  facts = {
    projects: readProjects(),
    scripts: new Set(Object.keys(pkg.scripts)),
    dependencies: new Set(Object.keys(pkg.dependencies)),
    cliFlags: new Map([
      [GATEWAY_MAIN, gatewayFlags],
      [SIMULATOR_MAIN, simulatorFlags],
    ]),
    ignored: dockerignorePatterns(readFileSync(join(ROOT, '.dockerignore'), 'utf8')),
    lock: (
      JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean }>;
      }
    ).packages,
  };
}, 120_000);

const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');

describe('docker/ files reference only what exists', () => {
  it('reads both CLIs from the real --help of their bundles', () => {
    expect([...(facts.cliFlags.get(GATEWAY_MAIN) ?? [])]).toEqual(
      expect.arrayContaining(['--port', '--config', '--dds-domain', '--fleet']),
    );
    expect([...(facts.cliFlags.get(SIMULATOR_MAIN) ?? [])]).toEqual(
      expect.arrayContaining(['--config', '--dds-domain', '--host', '--port', '--no-http']),
    );
  });

  it.each(['docker/gateway.Dockerfile', 'docker/agent-simulator.Dockerfile'])(
    '%s has no problems',
    (file) => {
      expect(checkDockerfile(read(file), facts)).toEqual([]);
    },
  );

  it.each(['docker/gateway.Dockerfile', 'docker/agent-simulator.Dockerfile'])(
    '%s: the bundles it runs import only production packages, and find them and the addon',
    (file) => {
      expect(checkRuntimeImports(read(file), facts)).toEqual([]);
    },
  );

  it('the gateway image holds the simulator --fleet default launches, and the loopback DDS config', () => {
    const runtime = parseDockerfile(read('docker/gateway.Dockerfile')).pop() as Stage;
    const launched = posix.join(posix.dirname(GATEWAY_MAIN), BUNDLED_SIMULATOR_MAIN);
    expect(launched).toBe(SIMULATOR_MAIN);
    expect(presentIn(runtime, posix.resolve(workdirOf(runtime), launched))).toBe(true);
    expect(presentIn(runtime, '/etc/dds-llm/cyclonedds-loopback.xml')).toBe(true);
  });

  it('the gateway image holds the dashboard page where its bundle looks for it', () => {
    const runtime = parseDockerfile(read('docker/gateway.Dockerfile')).pop() as Stage;
    const page = posix.join(posix.dirname(GATEWAY_MAIN), BUNDLED_DASHBOARD_ASSETS, 'index.html');
    expect(page).toBe('dist/apps/dashboard/index.html');
    expect(existsSync(join(ROOT, page))).toBe(true); // what the build stage's `nx build gateway` makes
    expect(presentIn(runtime, posix.resolve(workdirOf(runtime), page))).toBe(true);
  });

  it('the gateway image checks /health, exposes its port and runs as the node user', () => {
    const runtime = parseDockerfile(read('docker/gateway.Dockerfile')).pop() as Stage;
    expect(lastArgs(runtime, 'HEALTHCHECK')).toContain('/health');
    expect(lastArgs(runtime, 'EXPOSE')).toBe(envOf(runtime).get('PORT'));
    expect(lastArgs(runtime, 'USER')).toBe('node');
    expect(NODE_MAJOR).toBeDefined();
    expect(runtime.base).toBe(`node:${NODE_MAJOR}-bookworm-slim`);
  });

  it('the build stages install the packages tools/setup installs; the runtime stages only libddsc', () => {
    const setupPackages = /APT_PACKAGES=\(([^)]*)\)/
      .exec(read('tools/setup'))?.[1]
      .split(/\s+/)
      .filter(Boolean);
    expect(setupPackages?.length).toBeGreaterThan(0);
    for (const file of ['docker/gateway.Dockerfile', 'docker/agent-simulator.Dockerfile']) {
      const stages = parseDockerfile(read(file));
      const installs = (s: Stage) =>
        s.instructions
          .filter((i) => i.keyword === 'RUN')
          .flatMap((i) => [
            ...i.args.matchAll(/apt-get install ((?:-\S+\s+)*)((?:[a-z0-9][\w.+-]*\s*)+)/g),
          ])
          .flatMap((m) => m[2].split(/\s+/).filter(Boolean));
      expect(stages[0].base).toBe(`node:${NODE_MAJOR}-bookworm`);
      expect(stages[stages.length - 1].base).toBe(`node:${NODE_MAJOR}-bookworm-slim`);
      expect(installs(stages[0])).toEqual(expect.arrayContaining(setupPackages ?? []));
      expect(installs(stages[stages.length - 1])).toEqual(['libddsc0debian']);
    }
  });

  it('compose.yaml has no problems and runs a gateway and the simulated fleet', () => {
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    expect(checkCompose(text, DOCKER_DIR, facts)).toEqual([]);
    const doc = parseYaml(text, { merge: true }) as { services: Record<string, ComposeService> };
    expect(Object.keys(doc.services).sort()).toEqual(['agent-simulator', 'gateway']);
    expect(doc.services['gateway'].ports).toContain('8080:8080');
  });

  it('the unicast-peers config lists exactly the compose services and turns multicast off', () => {
    const xml = read('tools/dds/cyclonedds-unicast-peers.xml');
    const doc = parseYaml(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
      services: Record<string, ComposeService>;
    };
    const peers = [...xml.matchAll(/<Peer\s+address="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(peers).toEqual(Object.keys(doc.services).sort());
    for (const [name, svc] of Object.entries(doc.services)) expect(svc.hostname ?? name).toBe(name);
    expect(xml).toMatch(/<AllowMulticast>false<\/AllowMulticast>/);
    expect(xml).toMatch(/<MaxAutoParticipantIndex>\d+<\/MaxAutoParticipantIndex>/);
    for (const svc of Object.values(doc.services)) {
      expect(svc.volumes).toContain(
        '../tools/dds/cyclonedds-unicast-peers.xml:/etc/dds-llm/cyclonedds.xml:ro',
      );
    }
  });
});

describe('the checkers catch broken references', () => {
  const good = read('docker/gateway.Dockerfile');

  it('a Dockerfile copying a missing file or an ignored directory', () => {
    const bad = good.replace(
      'COPY package.json package-lock.json ./',
      'COPY package.json package-lock.json no-such-file.txt node_modules ./',
    );
    expect(checkDockerfile(bad, facts)).toEqual([
      'COPY no-such-file.txt: not in the repository',
      'COPY node_modules: excluded by .dockerignore',
    ]);
  });

  it('a Dockerfile running a missing Nx target or npm script', () => {
    const bad = good
      .replace('nx run gateway:build', 'nx run protocol:codegen && npx nx run gateway:bundle')
      .replace('npm ci ', 'npm run nope && npm ci ');
    expect(checkDockerfile(bad, facts)).toEqual([
      'RUN: no npm script nope in package.json',
      'RUN: Nx project gateway has no target bundle',
      // Nothing builds the bundles any more:
      'COPY --from=build /app/dist/apps/gateway: neither in the repository nor built in that stage',
      'COPY --from=build /app/dist/apps/agent-simulator: neither in the repository nor built in that stage',
      'COPY --from=build /app/dist/apps/dashboard: neither in the repository nor built in that stage',
    ]);
  });

  it('a runtime stage copying a build product no target makes', () => {
    const bad = good
      .replace('/app/dist/apps/agent-simulator ', '/app/dist/apps/agent ')
      .replace(
        'COPY --from=build /app/package.json ./',
        'COPY --from=build /app/package.json ./\nCOPY --from=build /app/libs/dds-transport/build/Release/dds_transport.node ./',
      );
    expect(checkDockerfile(bad, facts)).toEqual([
      'COPY --from=build /app/dist/apps/agent: neither in the repository nor built in that stage',
    ]);
    // The addon is under dds-transport:build-native's declared output (build/), which
    // gateway:build depends on, so it passes; an unknown stage name never does.
    expect(
      checkDockerfile(
        good.replace(
          '--from=build /app/dist/apps/gateway',
          '--from=builder /app/dist/apps/gateway',
        ),
        facts,
      ),
    ).toEqual(expect.arrayContaining(['COPY --from=builder: no earlier stage of that name']));
  });

  it('a runtime stage running as root, or without USER', () => {
    expect(checkDockerfile(good.replace('USER node', 'USER root'), facts)).toEqual([
      'runtime stage runs as root (USER root)',
    ]);
    expect(checkDockerfile(good.replace('USER node\n', ''), facts)).toEqual([
      'runtime stage has no USER (runs as root)',
    ]);
  });

  it('a command with an unknown flag, a dev-only preload, or a config file left out of the image', () => {
    const bad = good
      .replace(
        'CMD ["--config", "apps/gateway/config.yaml"]',
        'CMD ["--config", "apps/gateway/other.yaml", "--portt", "1"]',
      )
      .replace('"--enable-source-maps"', '"-r", "@swc-node/register"');
    expect(checkDockerfile(bad, facts)).toEqual([
      'node -r @swc-node/register: not a production dependency (pruned from the image)',
      '--config apps/gateway/other.yaml: not in the repository',
      '--portt: not a flag of dist/apps/gateway/main.js',
    ]);
    expect(
      checkDockerfile(good.replace('dist/apps/gateway/main.js', 'apps/gateway/src/main.ts'), facts),
    ).toEqual([
      'entry script apps/gateway/src/main.ts: not copied into the runtime stage',
      '--config: no known CLI for apps/gateway/src/main.ts',
    ]);
    const notCopied = good.replace(/COPY --from=build \/app\/apps\/gateway\/config.yaml .*\n/, '');
    expect(checkDockerfile(notCopied, facts)).toEqual([
      '--config apps/gateway/config.yaml: not copied into the image',
    ]);
  });

  it('a compose file with a missing Dockerfile, mount, service, network or flag', () => {
    const compose = readFileSync(COMPOSE_FILE, 'utf8');
    const bad = compose
      .replace(
        'dockerfile: docker/agent-simulator.Dockerfile',
        'dockerfile: docker/simulator.Dockerfile',
      )
      .replace("'--fleet', 'none'", "'--fleet', 'none', '--workers', '2'")
      .replace(
        '../tools/dds/cyclonedds-unicast-peers.xml:/etc/dds-llm/cyclonedds.xml:ro',
        '../tools/dds/missing.xml:/etc/dds-llm/cyclonedds.xml:ro',
      )
      .replace('networks: [fleet]', 'networks: [backend]');
    expect(checkCompose(bad, DOCKER_DIR, facts)).toEqual([
      'gateway: --workers: not a flag of dist/apps/gateway/main.js',
      'gateway: volume source ../tools/dds/missing.xml does not exist',
      'gateway: network backend is not declared',
      'agent-simulator: Dockerfile docker/simulator.Dockerfile does not exist',
    ]);
    const noHealth = compose.replace(/\n {4}healthcheck:\n(?: {6}.*\n)+/g, '\n');
    expect(checkCompose(noHealth, DOCKER_DIR, facts)).toEqual([
      'agent-simulator: no healthcheck',
      'gateway: waits for agent-simulator to be healthy, which has no healthcheck',
    ]);
    expect(
      checkCompose(
        compose.replace(
          'condition: service_healthy',
          'condition: service_healthy\n      cache:\n        condition: service_started',
        ),
        DOCKER_DIR,
        facts,
      ),
    ).toEqual(['gateway: depends_on cache, which is not a service']);
  });

  it('a runtime stage without the bundle, its packages or its addon, or a bundle importing a dev dependency', () => {
    const simulator = read('docker/agent-simulator.Dockerfile');
    expect(
      checkRuntimeImports(
        simulator.replace(/COPY --from=build \/app\/node_modules .*\n/, ''),
        facts,
      ),
    ).toEqual([
      'dist/apps/agent-simulator needs node_modules, which the runtime stage does not copy',
    ]);
    expect(
      checkRuntimeImports(
        simulator.replace(/COPY --from=build \/app\/dist\/apps\/agent-simulator .*\n/, ''),
        facts,
      ),
    ).toEqual(['the runtime stage copies no bundle (dist/<app> with meta.json)']);
    // As if the bundle imported a test-only package: the build refuses it, and so would this.
    const lock = { ...facts.lock, 'node_modules/commander': { dev: true } };
    expect(checkRuntimeImports(simulator, { ...facts, lock })).toEqual([
      'dist/apps/agent-simulator imports commander, a dev dependency (pruned)',
    ]);
  });

  it('parses continuations and comments the way Docker does', () => {
    const stages = parseDockerfile(
      ['FROM a AS one', 'RUN x \\', '  # note', '  && y', 'FROM b', 'USER 0'].join('\n'),
    );
    expect(stages).toEqual([
      { base: 'a', name: 'one', instructions: [{ keyword: 'RUN', args: 'x  && y' }] },
      { base: 'b', name: undefined, instructions: [{ keyword: 'USER', args: '0' }] },
    ]);
    expect(() => parseDockerfile('RUN x')).toThrow('RUN before the first FROM');
  });
});
