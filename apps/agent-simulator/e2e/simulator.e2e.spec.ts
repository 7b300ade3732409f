import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DomainParticipant } from '@dds/transport';
import { FleetClient, FleetView, type FleetEvent, type ResponseEvent } from '@dds/protocol';
import OpenAI from 'openai';
import { filter, firstValueFrom, scan } from 'rxjs';

/** This file's DDS domain (simulator process e2e: 43). */
const DOMAIN = 43;
const ROOT = join(__dirname, '..', '..', '..');

interface Ready {
  msg: string;
  agents: { id: string; models: string[]; specialization: string; http?: string }[];
}

/** Runs the simulator CLI as a real process; resolves once it logged `fleet ready`. */
async function simulator(...args: string[]): Promise<{ proc: ChildProcess; ready: Ready }> {
  const proc = spawn(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      join(ROOT, 'apps/agent-simulator/src/main.ts'),
      '--dds-domain',
      String(DOMAIN),
      ...args,
    ],
    { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<Ready>((resolve, reject) => {
    lines.on('line', (line) => {
      const o = JSON.parse(line) as Ready;
      if (o.msg === 'fleet ready') resolve(o);
    });
    proc.once('exit', (code) => reject(new Error(`simulator exited with ${code}: ${stderr}`)));
  });
  return { proc, ready };
}

async function collect(it: AsyncIterable<ResponseEvent>): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

/** Resolves when every id in `ids` has had an event of `type`. */
function all(client: FleetClient, type: FleetEvent['type'], ids: string[]): Promise<unknown> {
  return firstValueFrom(
    client.events.pipe(
      filter((e) => e.type === type),
      scan(
        (seen, e) => seen.add('agentId' in e ? e.agentId : 'agent' in e ? e.agent.agentId : ''),
        new Set<string>(),
      ),
      filter((seen) => ids.every((id) => seen.has(id))),
    ),
  );
}

describe('agent-simulator as a process', () => {
  let pp: DomainParticipant;
  let client: FleetClient;
  let view: FleetView;

  beforeAll(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
    client = new FleetClient({ participant: pp, gatewayId: 'gw-sim-e2e' });
    view = new FleetView(client);
  });

  afterAll(() => {
    client.close();
    pp.close();
  });

  it('brings up the default fleet on DDS and HTTP, serves it, and drains on SIGTERM', async () => {
    const ids = ['d-sim-text-1', 'd-sim-text-2', 'd-sim-vision-1', 'd-sim-embed-1'];
    const registered = all(client, 'registered', ids);
    const { proc, ready } = await simulator(
      '--port',
      '0',
      '--zero-think',
      '--id-prefix',
      'd-',
      '--timeout',
      '2',
    );
    expect(ready.agents.map((a) => [a.id, a.models.join(), a.specialization])).toEqual([
      ['d-sim-text-1', 'phi-4-mini', 'text'],
      ['d-sim-text-2', 'phi-4-mini', 'text'],
      ['d-sim-vision-1', 'qwen2-vl-2b', 'vision'],
      ['d-sim-embed-1', 'nomic-embed-text', 'embedding'],
    ]);
    await registered;
    for (const a of ready.agents) {
      expect(view.agent(a.id)?.info).toMatchObject({ httpEndpoint: a.http, leaseMs: 2000 });
    }

    // Over DDS.
    await client.ready('d-sim-text-1');
    const chat = await collect(
      client.request('d-sim-text-1', {
        kind: 'chat',
        stream: true,
        body: { model: 'phi-4-mini', messages: [{ role: 'user', content: 'hi' }] },
      }),
    );
    expect(chat.filter((e) => e.type === 'text')).toHaveLength(32);
    await client.ready('d-sim-embed-1');
    const emb = await collect(
      client.request('d-sim-embed-1', {
        kind: 'embedding',
        stream: false,
        body: { model: 'nomic-embed-text', input: 'x' },
      }),
    );
    expect(emb[0]?.type === 'embedding' && emb[0].embeddings[0]).toHaveLength(768);

    // Over each agent's own HTTP port, with the same answer as over DDS.
    const http = new OpenAI({ baseURL: ready.agents[0]?.http, apiKey: 'x', maxRetries: 0 });
    const r = await http.chat.completions.create({
      model: 'phi-4-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.choices[0]?.message.content).toBe(
      chat.map((e) => (e.type === 'text' ? e.text : '')).join(''),
    );

    const gone = all(client, 'gone', ids);
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    await gone;
    expect(ids.map((id) => view.agent(id))).toEqual([undefined, undefined, undefined, undefined]);
    expect((await exited)[0]).toBe(0);
  });

  it('crash-after failure injection kills the process; its agents expire by lease', async () => {
    const registered = all(client, 'registered', ['c-sim-text-1']);
    const { proc } = await simulator(
      '--count',
      '1',
      '--model',
      'phi-4-mini',
      '--crash-after',
      '1',
      '--no-http',
      '--zero-think',
      '--id-prefix',
      'c-',
      '--timeout',
      '1',
    );
    await registered;
    await client.ready('c-sim-text-1');
    const body = { model: 'phi-4-mini', messages: [{ role: 'user', content: 'hi' }] };
    const first = await collect(
      client.request('c-sim-text-1', { kind: 'chat', stream: false, body }),
    );
    expect(first.at(-1)?.type).toBe('final');
    const gone = firstValueFrom(
      client.events.pipe(filter((e) => e.type === 'gone' && e.agentId === 'c-sim-text-1')),
    );
    const exited = once(proc, 'exit');
    const second = await collect(
      client.request('c-sim-text-1', { kind: 'chat', stream: false, body }),
    );
    expect((await exited)[1]).toBe('SIGKILL');
    expect(await gone).toMatchObject({ reason: 'lease-expired' });
    // The open request learns its agent is gone; nothing was output, so it may be retried.
    expect(second).toEqual([
      expect.objectContaining({
        type: 'error',
        code: 'agent_gone',
        retryable: true,
        outputStarted: false,
      }),
    ]);
  });

  it('refuses an invalid fleet file with a clear message and exit code 2', async () => {
    const proc = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        join(ROOT, 'apps/agent-simulator/src/main.ts'),
        '--config',
        '/nonexistent.yaml',
      ],
      { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = await once(proc, 'exit');
    expect(code).toBe(2);
    expect(stderr).toMatch(/agent-simulator: cannot read fleet file \/nonexistent\.yaml/);
  });
});
