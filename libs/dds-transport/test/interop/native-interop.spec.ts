import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DomainParticipant, Qos, Reader, Sample } from '../../src/index';
import {
  Command,
  CommandType,
  Level,
  Reading,
  ReadingType,
  Status,
  StatusType,
} from '../../tmp/generated/interop';

/**
 * Interop with a native CycloneDDS program built at test time from the same IDL with idlc:
 * what TS writes, the C program's own dds_take sees exactly; what C writes (including a
 * dispose), TS reads exactly. String keys are longer than 16 bytes (MD5 keyhash).
 */
const DOMAIN = 30;
const reliable: Qos = { reliability: { kind: 'reliable' }, history: { kind: 'keep-all' } };
const N = 12;

let dir: string;
let peerExe: string;
let topicSeq = 0;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dds-interop-'));
  copyFileSync(join(__dirname, '../fixtures/interop.idl'), join(dir, 'interop.idl'));
  copyFileSync(join(__dirname, 'interop-peer.c'), join(dir, 'interop-peer.c'));
  execFileSync('idlc', ['-l', 'c', '-Wno-implicit-extensibility', 'interop.idl'], { cwd: dir });
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'CycloneDDS'], {
    encoding: 'utf8',
  })
    .trim()
    .split(/\s+/);
  peerExe = join(dir, 'interop-peer');
  execFileSync('cc', ['-std=gnu11', '-o', peerExe, 'interop-peer.c', 'interop.c', ...flags], {
    cwd: dir,
  });
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function topicName(kind: string): string {
  topicSeq += 1;
  return `interop/${kind}/${process.pid}/${topicSeq}`;
}

/** Runs the C peer; resolves with its stdout lines once it exits (rejects on a non-zero exit). */
function runPeer(args: string[], onLine?: (line: string) => void): Promise<string[]> {
  const child = spawn(peerExe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => {
    lines.push(l);
    onLine?.(l);
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code) =>
      code === 0 ? resolve(lines) : reject(new Error(`peer exited ${code}: ${stderr}`)),
    );
  });
}

function reading(i: number): Reading {
  const history: number[] = [];
  for (let k = 0; k < i % 4; k++) history.push(i * 10 + k - 5);
  return {
    sensor_id: `sensor-with-a-long-identifier-${String(Math.floor(i / 3)).padStart(3, '0')}`,
    channel: i % 3,
    value: i * 1.5 - 2.25,
    stamp: 1700000000000000000n + BigInt(i),
    level: (i % 3) as Level,
    history,
    unit: `unit-${i}`,
    tag: new Uint8Array([0, 1, 2, 3].map((k) => (i + k * 60) & 0xff)),
  };
}

function status(i: number): Status {
  return {
    agent_id: `agent-${String(i).padStart(2, '0')}-with-a-long-name`,
    state: i % 2 ? 'busy' : 'idle',
    models: Array.from({ length: i % 3 }, (_, k) => `model-${k}`),
    load: i % 2 ? i * 0.25 : undefined,
  };
}

function command(i: number): Command {
  const d = i % 3 === 0 ? 1 : i % 3 === 1 ? 2 : 7 + i;
  return {
    target_id: `command-target-${String(i).padStart(2, '0')}-with-a-long-name`,
    note: i % 3 === 0 ? undefined : `note ${i}`,
    weights: Array.from({ length: i % 4 }, (_, k) => i + k * 0.5),
    payload:
      d === 1
        ? { discriminator: 1, count: i * 100 }
        : d === 2
          ? { discriminator: 2, text: `text-${i}` }
          : { discriminator: d, value: i / 4 },
    serial: 18446744073709551000n + BigInt(i),
  };
}

/** The JSON the C peer prints for a sample (int64 as string, octets as numbers, no absent optionals). */
const readingJson = (r: Reading) => ({ ...r, stamp: String(r.stamp), tag: Array.from(r.tag) });
const statusJson = (s: Status) => JSON.parse(JSON.stringify(s));
const commandJson = (c: Command) => JSON.parse(JSON.stringify({ ...c, serial: String(c.serial) }));

/** Takes from `reader` until `done` says so; resolves with everything taken. */
function collect<T>(reader: Reader<T>, done: (all: Sample<T>[]) => boolean): Promise<Sample<T>[]> {
  const all: Sample<T>[] = [];
  return new Promise((resolve) => {
    const drain = (): void => {
      all.push(...reader.take());
      if (done(all)) {
        reader.off('data', drain);
        resolve(all);
      }
    };
    reader.on('data', drain);
    drain();
  });
}

describe('interop with native CycloneDDS (domain 30)', () => {
  let pp: DomainParticipant;
  beforeEach(() => {
    pp = new DomainParticipant({ domainId: DOMAIN });
  });
  afterEach(() => pp.close());

  it('TS writes @final Reading (XCDR1), the C program takes exactly those samples', async () => {
    const name = topicName('reading');
    const peer = runPeer(['sub', 'reading', String(DOMAIN), name, String(N)]);
    const writer = pp.createWriter(pp.createTopic(name, ReadingType), reliable);
    await writer.waitForMatch({ timeoutMs: 20000 });
    const sent = Array.from({ length: N }, (_, i) => reading(i));
    for (const r of sent) writer.write(r);
    const lines = await peer;
    const got = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const byStamp = (a: { stamp: string }, b: { stamp: string }) =>
      BigInt(a.stamp) < BigInt(b.stamp) ? -1 : 1;
    expect(got.sort(byStamp)).toEqual(sent.map(readingJson));
  });

  it('the C program writes and disposes Reading, TS reads exactly those samples and the key', async () => {
    const name = topicName('reading');
    const reader = pp.createReader(pp.createTopic(name, ReadingType), reliable);
    const taken = collect(
      reader,
      (all) =>
        all.filter((s) => s.info.validData).length >= N &&
        all.some((s) => s.info.instanceState === 'disposed'),
    );
    const peer = runPeer(['pub', 'reading', String(DOMAIN), name, String(N)]);
    const all = await taken;
    await peer;
    const data = all.filter((s) => s.info.validData).map((s) => s.data as Reading);
    data.sort((a, b) => (a.stamp < b.stamp ? -1 : 1));
    expect(data).toEqual(Array.from({ length: N }, (_, i) => reading(i)));
    const disposed = all.filter((s) => s.info.instanceState === 'disposed');
    expect(disposed.map((s) => s.key)).toContainEqual({
      sensor_id: reading(0).sensor_id,
      channel: 0,
    });
    // Every sample's key is the key fields of its data.
    for (const s of all.filter((x) => x.info.validData)) {
      expect(s.key).toEqual({ sensor_id: s.data?.sensor_id, channel: s.data?.channel });
    }
  });

  it('TS writes @appendable Status (XCDR2, optional member), the C program takes exactly those', async () => {
    const name = topicName('status');
    const peer = runPeer(['sub', 'status', String(DOMAIN), name, String(N)]);
    const writer = pp.createWriter(pp.createTopic(name, StatusType), reliable);
    await writer.waitForMatch({ timeoutMs: 20000 });
    const sent = Array.from({ length: N }, (_, i) => status(i));
    for (const s of sent) writer.write(s);
    const got = (await peer).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    got.sort((a, b) => a.agent_id.localeCompare(b.agent_id));
    expect(got).toEqual(sent.map(statusJson));
  });

  it('the C program writes and disposes Status, TS reads exactly those samples and the key', async () => {
    const name = topicName('status');
    const reader = pp.createReader(pp.createTopic(name, StatusType), reliable);
    const taken = collect(
      reader,
      (all) =>
        all.filter((s) => s.info.validData).length >= N &&
        all.some((s) => s.info.instanceState === 'disposed'),
    );
    const peer = runPeer(['pub', 'status', String(DOMAIN), name, String(N)]);
    const all = await taken;
    await peer;
    const data = all.filter((s) => s.info.validData).map((s) => s.data as Status);
    data.sort((a, b) => a.agent_id.localeCompare(b.agent_id));
    expect(data).toEqual(Array.from({ length: N }, (_, i) => status(i)));
    expect(all.filter((s) => s.info.instanceState === 'disposed').map((s) => s.key)).toContainEqual(
      {
        agent_id: status(0).agent_id,
      },
    );
  });

  it('TS writes @mutable Command (XCDR2, optional member, union), the C program takes exactly those', async () => {
    const name = topicName('command');
    const peer = runPeer(['sub', 'command', String(DOMAIN), name, String(N)]);
    const writer = pp.createWriter(pp.createTopic(name, CommandType), reliable);
    await writer.waitForMatch({ timeoutMs: 20000 });
    const sent = Array.from({ length: N }, (_, i) => command(i));
    for (const c of sent) writer.write(c);
    const got = (await peer).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    got.sort((a, b) => a.target_id.localeCompare(b.target_id));
    expect(got).toEqual(sent.map(commandJson));
  });

  it('the C program writes and disposes Command, TS reads exactly those samples and the key', async () => {
    const name = topicName('command');
    const reader = pp.createReader(pp.createTopic(name, CommandType), reliable);
    const taken = collect(
      reader,
      (all) =>
        all.filter((s) => s.info.validData).length >= N &&
        all.some((s) => s.info.instanceState === 'disposed'),
    );
    const peer = runPeer(['pub', 'command', String(DOMAIN), name, String(N)]);
    const all = await taken;
    await peer;
    const data = all.filter((s) => s.info.validData).map((s) => s.data as Command);
    data.sort((a, b) => a.target_id.localeCompare(b.target_id));
    expect(data).toEqual(Array.from({ length: N }, (_, i) => command(i)));
    expect(all.filter((s) => s.info.instanceState === 'disposed').map((s) => s.key)).toContainEqual(
      {
        target_id: command(0).target_id,
      },
    );
  });
});
