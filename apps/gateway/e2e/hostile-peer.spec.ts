import OpenAI from 'openai';
import {
  createProtocolTopics,
  encodeRegistration,
  encodeStatus,
  PROTOCOL_VERSION,
  QOS,
  type AgentInfo,
  type AgentRegistration,
  type AgentStatus,
  type ProtocolTopics,
} from '@dds/protocol';
import { DomainParticipant, type Writer } from '@dds/transport';
import { GatewayProcess } from './support/gateway-process';
import { INSPECTED, MemoryProbe, type MemoryAfterGc } from './support/memory-probe';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';

/** This file's DDS domain (hardening range 150-159). */
const DOMAIN = '152';
const MODEL = 'hp-model';
const FAST = ['--ttft-ms', '0', '--prefill-tps', '0', '--decode-tps', '0', '--output-tokens', '5'];
/** Distinct agent ids of the status flood. */
const FLOOD_IDS = 25_000;
/** Growth of the gateway's RSS after a forced GC the whole suite may cause, MiB. */
const RSS_GROWTH_BOUND_MIB = 48;
/** Growth of its V8 heap after a forced GC, MiB. */
const HEAP_GROWTH_BOUND_MIB = 4;

interface LogRecord {
  level?: number;
  msg?: string;
  kind?: string;
  suppressed?: number;
  topic?: string;
}

function registration(agentId: string, over: Partial<AgentInfo> = {}): AgentRegistration {
  return encodeRegistration({
    agentId,
    protocolVersion: PROTOCOL_VERSION,
    models: ['hp-peer-model'],
    specialization: 'text',
    capabilities: [],
    slots: 1,
    maxContextTokens: 4096,
    version: 'hostile',
    hostname: 'localhost',
    leaseMs: 30_000,
    ...over,
  });
}

function status(agentId: string): AgentStatus {
  return encodeStatus({
    agentId,
    state: 'idle',
    slotsBusy: 0,
    slotsTotal: 1,
    queueDepth: 0,
    emaLatencyMs: 0,
    tokensPerSecond: 0,
    heartbeatMs: 250,
  });
}

describe('hostile peers on DDS: the gateway bounds what they make it keep and log', () => {
  let sim: SimulatorProcess;
  let gateway: GatewayProcess;
  let probe: MemoryProbe;
  let client: OpenAI;
  let participant: DomainParticipant;
  let topics: ProtocolTopics;
  let registerWriter: Writer<AgentRegistration>;
  let statusWriter: Writer<AgentStatus>;
  let baseline: MemoryAfterGc;

  /** The gateway's log records since `from` (an index into its output). */
  function logs(from = 0): LogRecord[] {
    const out: LogRecord[] = [];
    for (const line of gateway.output.slice(from)) {
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // Not a log record (the inspector's banner).
      }
    }
    return out;
  }

  async function modelIds(): Promise<string[]> {
    const res = await fetch(`${gateway.url}/v1/models`);
    return ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
  }

  async function agentIds(): Promise<string[]> {
    const res = await fetch(`${gateway.url}/api/v1/agents`);
    return ((await res.json()) as { data: { id: string }[] }).data.map((a) => a.id);
  }

  async function normalChatAnswers(): Promise<void> {
    const done = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(done.choices[0].finish_reason).toBe('stop');
    expect(done.usage?.completion_tokens).toBe(5);
  }

  beforeAll(async () => {
    sim = await SimulatorProcess.start([
      '--dds-domain',
      DOMAIN,
      '--port',
      '0',
      '--timeout',
      '2',
      '--heartbeat-interval',
      '0.25',
      '--id-prefix',
      'hp-',
      '--count',
      '1',
      '--model',
      MODEL,
      ...FAST,
    ]);
    gateway = await GatewayProcess.start(
      [],
      {
        PORT: '0',
        DDS_LLM_SERVER_HOST: '127.0.0.1',
        DDS_LLM_DDS_DOMAIN: DOMAIN,
        DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
        DDS_LLM_AGENTS_TIMEOUT: '2',
        DDS_LLM_FLEET: 'none',
      },
      30_000,
      INSPECTED,
    );
    probe = await MemoryProbe.attach(gateway);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
    await waitFor('the agent', async () => (await agentIds()).length === 1, 20_000);
    participant = new DomainParticipant({ domainId: Number(DOMAIN) });
    topics = createProtocolTopics(participant);
    registerWriter = participant.createWriter(topics.register, QOS.registerWriter(30_000));
    statusWriter = participant.createWriter(topics.status, QOS.status(30_000));
    await registerWriter.waitForMatch({ timeoutMs: 10_000 });
    await statusWriter.waitForMatch({ timeoutMs: 10_000 });
    // Warm the request path so the baseline holds what a serving gateway holds anyway.
    for (let i = 0; i < 20; i++) await normalChatAnswers();
    baseline = await probe.afterGc();
  });

  afterAll(async () => {
    participant?.close();
    await probe?.close();
    await gateway?.stop();
    await sim?.stop();
  });

  it('a model name of 100,000 characters is refused the same way', async () => {
    const from = gateway.output.length;
    registerWriter.write(registration('hp-long', { models: ['x'.repeat(100_000)] }));
    registerWriter.write(registration('hp-marker-2'));
    await waitFor('the marker agent', async () => (await agentIds()).includes('hp-marker-2'));
    expect(await agentIds()).not.toContain('hp-long');
    expect((await modelIds()).every((m) => m.length <= 256)).toBe(true);
    // The first of its kind: logged with its reason, once. The log reaches stdout on its own
    // schedule, after the HTTP view changed.
    const refusals = () => logs(from).filter((r) => r.kind === 'rejected agent/register');
    await waitFor('the refusal line', async () => refusals().length > 0);
    const refused = refusals();
    expect(refused.map((r) => r.msg)).toEqual([
      expect.stringContaining('model is 100000 characters long; at most 256 are allowed'),
    ]);
  });

  it('an agent announcing 10,000 models is refused, /v1/models stays as it was, and the lines are rate-limited', async () => {
    const before = await modelIds();
    const from = gateway.output.length;
    for (let i = 0; i < 50; i++) {
      registerWriter.write(
        registration(`hp-many-${i}`, {
          models: Array.from({ length: 10_000 }, (_, m) => `hp-many-${i}-${m}`),
        }),
      );
    }
    // Then one acceptable registration on the same topic, as a marker that the others were read.
    registerWriter.write(registration('hp-marker'));
    await waitFor('the marker agent', async () => (await agentIds()).includes('hp-marker'));
    expect(await modelIds()).toEqual([...new Set([...before, 'hp-peer-model'])].sort());
    expect((await agentIds()).filter((id) => id.startsWith('hp-many-'))).toEqual([]);
    const lines = () => logs(from).filter((r) => r.kind === 'rejected agent/register');
    await waitFor('the summary of suppressed lines', () =>
      lines().some((r) => r.suppressed !== undefined),
    );
    const logged = lines().filter((r) => r.suppressed === undefined);
    const suppressed = lines().reduce((n, r) => n + (r.suppressed ?? 0), 0);
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged.length).toBeLessThanOrEqual(5);
    expect(logged.length + suppressed).toBe(50);
    expect(logged[0].msg).toContain('models has 10000 entries; at most 64 are allowed');
  });

  it(`a status flood for ${FLOOD_IDS} unknown agents: a few log lines, a summary of the rest, bounded memory`, async () => {
    const from = gateway.output.length;
    for (let i = 0; i < FLOOD_IDS; i++) statusWriter.write(status(`hp-ghost-${i}`));
    const lines = () => logs(from).filter((r) => r.kind === 'rejected agent/status');
    const counted = () =>
      lines().reduce((n, r) => n + (r.suppressed === undefined ? 1 : r.suppressed), 0);
    // The early-status buffer keeps at most 1024 of them; each one dropped beyond is counted.
    // Before the bound, every id stayed in it for good and nothing was logged.
    await waitFor(
      'the dropped statuses to be counted',
      () => counted() >= FLOOD_IDS - 1024,
      30_000,
    );
    const logged = lines().filter((r) => r.suppressed === undefined);
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged.length).toBeLessThanOrEqual(10);
    expect(lines().length - logged.length).toBeLessThanOrEqual(6);
    expect(await agentIds()).not.toContain('hp-ghost-0');
  });

  it('after all of it a normal chat answers, and RSS after a forced GC is within a fixed bound', async () => {
    await normalChatAnswers();
    const after = await probe.afterGc();
    process.stdout.write(
      `[hostile-peer] rss before=${baseline.rssMiB} MiB after=${after.rssMiB} MiB · heap before=${baseline.heapUsedMiB} MiB after=${after.heapUsedMiB} MiB\n`,
    );
    expect(after.rssMiB - baseline.rssMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    // The JS side keeps nothing per peer id: before the bounds, 25,000 ids held ~6 MiB of heap.
    expect(after.heapUsedMiB - baseline.heapUsedMiB).toBeLessThan(HEAP_GROWTH_BOUND_MIB);
  });
});
