/**
 * The production build (`nx build gateway`, which `gateway:test` depends on) as `npm start` and
 * the Docker image run it: the gateway's bundle with plain `node`, on its default simulated
 * fleet (the simulator's bundle, launched by the bundled gateway), serving chats to the official
 * openai SDK. The bundles run from a copy in a temporary directory next to nothing but a
 * `node_modules` link: no TypeScript sources, no tsconfig paths, no SWC require hook.
 */
import { cpSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { fleetPid, GatewayProcess, isRunning } from './support/gateway-process';
import { waitFor } from './support/wait-for';

const ROOT = resolve(__dirname, '../../..');
const DOMAIN = '120';
const APPS = ['gateway', 'agent-simulator'];

describe('the built gateway, run with plain node', () => {
  let dir: string;
  let gateway: GatewayProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dds-llm-build-'));
    for (const app of APPS) {
      cpSync(join(ROOT, 'dist', 'apps', app), join(dir, 'dist', 'apps', app), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is bundled: no @dds/* import left, the addon beside it, source maps to the TypeScript', () => {
    for (const app of APPS) {
      const out = join(dir, 'dist', 'apps', app);
      const code = readFileSync(join(out, 'main.js'), 'utf8');
      expect(code).not.toMatch(/require\(["']@dds\//);
      expect(code).toMatch(/\/\/# sourceMappingURL=main\.js\.map\s*$/);
      expect(readFileSync(join(out, 'dds_transport.node')).subarray(1, 4).toString()).toBe('ELF');
      const map = JSON.parse(readFileSync(join(out, 'main.js.map'), 'utf8')) as {
        sources: string[];
      };
      const sources = map.sources.map((s) => resolve(join(ROOT, 'dist', 'apps', app), s));
      expect(sources).toContain(join(ROOT, 'apps', app, 'src', 'main.ts'));
      expect(sources).toContain(join(ROOT, 'libs', 'protocol', 'src', 'generated', 'agent.ts'));
    }
  });

  it('starts its fleet from the simulator bundle and serves chats to the openai SDK', async () => {
    const main = join(dir, 'dist', 'apps', 'gateway', 'main.js');
    const g = await GatewayProcess.start(
      ['--fleet', 'default', '--dds-domain', DOMAIN, '--port', '0', '--host', '127.0.0.1'],
      { NODE_OPTIONS: '' },
      30_000,
      { nodeArgs: ['--enable-source-maps', main], cwd: dir },
    );
    gateway = g;

    // The runtime the project requires (tools/setup provisions it), for the gateway and its fleet.
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
    expect(readlinkSync(`/proc/${g.child.pid}/exe`)).toBe(process.execPath);
    const pid = fleetPid(g);
    expect(pid).toEqual(expect.any(Number));
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(process.execPath);
    const fleetArgv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(fleetArgv).toContain(join(dir, 'dist', 'apps', 'agent-simulator', 'main.js'));
    expect(fleetArgv).not.toContain('@swc-node/register');

    await waitFor(
      'a healthy phi-4-mini agent',
      async () => (await fetch(`${g.url}/health/ready`)).status === 200,
      30_000,
    );
    const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'unused', maxRetries: 0 });

    const completion = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'Olá!' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.choices[0].message.content?.length).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'Conte uma história' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    // SIGTERM drains and exits 0, and takes the fleet with it.
    expect(await g.stop()).toBe(0);
    gateway = undefined;
    await waitFor('the fleet to exit with the gateway', () => !isRunning(pid as number), 20_000);
  });
});
