import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DomainParticipant } from '@dds/transport';
import { filter, firstValueFrom } from 'rxjs';
import { FleetClient, FleetView, PROTOCOL_VERSION, type ResponseEvent } from '../src';

/** This file's DDS domain (C interop e2e: 45). */
const DOMAIN = 45;
const IDL = join(__dirname, '..', 'idl', 'agent.idl');
const SOURCE = join(__dirname, 'fixtures', 'c-agent', 'c_agent.c');

async function collect(it: AsyncIterable<ResponseEvent>): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

/**
 * A C agent compiled here from the same IDL with Cyclone's own idlc and the system libddsc:
 * the contract holds across languages (type matching, keys, partitions, QoS, JSON payloads).
 */
describe('an agent written in C against the TypeScript gateway client', () => {
  let dir: string;
  let agent: ChildProcess;
  let pp: DomainParticipant;
  let client: FleetClient;
  let view: FleetView;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'c-agent-'));
    execFileSync('idlc', ['-l', 'c', IDL], { cwd: dir });
    const ddsFlags = execFileSync('pkg-config', ['--cflags', '--libs', 'CycloneDDS'], {
      encoding: 'utf8',
    })
      .trim()
      .split(/\s+/);
    execFileSync('cc', [
      '-O1',
      '-Wall',
      '-Werror',
      '-I',
      dir,
      '-o',
      join(dir, 'c_agent'),
      SOURCE,
      join(dir, 'agent.c'),
      ...ddsFlags,
    ]);

    pp = new DomainParticipant({ domainId: DOMAIN });
    client = new FleetClient({ participant: pp, gatewayId: 'gw-c-interop' });
    view = new FleetView(client);
    agent = spawn(join(dir, 'c_agent'), [String(DOMAIN), 'c-agent-1', '2000'], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: agent.stdout as NodeJS.ReadableStream });
    const [line] = (await Promise.race([
      once(lines, 'line'),
      once(agent, 'exit').then(([code]) => {
        throw new Error(`C agent exited with ${code}`);
      }),
    ])) as [string];
    expect(line).toBe('ready');
    await client.ready('c-agent-1', 20_000);
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      const exited = once(agent, 'exit');
      agent.kill('SIGKILL');
      await exited;
    }
    client?.close();
    pp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is registered with what it announced, and its status arrives', async () => {
    if (!view.agent('c-agent-1')?.status) {
      await firstValueFrom(
        client.events.pipe(filter((e) => e.type === 'status' && e.status.agentId === 'c-agent-1')),
      );
    }
    expect(view.agent('c-agent-1')).toMatchObject({
      info: {
        agentId: 'c-agent-1',
        protocolVersion: PROTOCOL_VERSION,
        models: ['c-echo'],
        specialization: 'text',
        capabilities: ['streaming'],
        slots: 1,
        maxContextTokens: 1024,
        version: 'c-0.1',
        leaseMs: 2000,
      },
      status: { state: 'idle', slotsTotal: 1 },
    });
  });

  it('streams deltas and a final, and answers non-streaming with one final', async () => {
    const body = { model: 'c-echo', messages: [{ role: 'user', content: 'hi' }] };
    const streamed = await collect(
      client.request('c-agent-1', { kind: 'chat', stream: true, body }),
    );
    expect(streamed).toEqual([
      { type: 'text', text: 'Hello' },
      { type: 'text', text: ' from' },
      { type: 'text', text: ' C' },
      {
        type: 'final',
        finishReason: 'stop',
        agentId: 'c-agent-1',
        usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
      },
    ]);
    const whole = await collect(client.request('c-agent-1', { kind: 'chat', stream: false, body }));
    expect(whole.map((e) => e.type)).toEqual(['text', 'final']);
    expect(whole[0]).toEqual({ type: 'text', text: 'Hello from C' });
  });

  it('serves concurrent requests without mixing them up', async () => {
    const body = { model: 'c-echo', messages: [{ role: 'user', content: 'hi' }] };
    const all = await Promise.all(
      Array.from({ length: 20 }, () =>
        collect(client.request('c-agent-1', { kind: 'chat', stream: true, body })),
      ),
    );
    for (const events of all) {
      expect(events.map((e) => (e.type === 'text' ? e.text : e.type))).toEqual([
        'Hello',
        ' from',
        ' C',
        'final',
      ]);
    }
  });

  it('leaves cleanly on SIGTERM: the gateway sees it disposed at once', async () => {
    const gone = firstValueFrom(
      client.events.pipe(filter((e) => e.type === 'gone' && e.agentId === 'c-agent-1')),
    );
    const exited = once(agent, 'exit');
    agent.kill('SIGTERM');
    expect(await gone).toMatchObject({ reason: 'disposed' });
    expect((await exited)[0]).toBe(0);
  });
});
