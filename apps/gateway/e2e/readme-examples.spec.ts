/**
 * The README's API examples work as written: every block marked `<!-- readme-example -->` runs
 * against a real gateway with the default simulated fleet (what `npm start` serves), with only
 * `localhost:8080` pointed at the test's gateway. Shell blocks run curl; TypeScript blocks are
 * type-checked with the project's compiler and run with the official SDKs.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GatewayProcess } from './support/gateway-process';
import { waitFor } from './support/wait-for';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
/** Inside the workspace (ignored by git) so that the examples resolve the workspace's packages. */
const WORK_DIR = join(ROOT, 'dist', 'readme-examples');
const DOMAIN = '145';
const MARKER = '<!-- readme-example -->';

interface Example {
  readonly lang: 'bash' | 'ts';
  readonly code: string;
  readonly line: number;
}

/** The marked fenced blocks of a Markdown text, in order. */
function markedExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== MARKER) continue;
    const fence = /^```(bash|ts)\s*$/.exec(lines[i + 1] ?? '');
    if (!fence) throw new Error(`README line ${i + 1}: ${MARKER} must precede a bash or ts block`);
    const end = lines.indexOf('```', i + 2);
    if (end < 0) throw new Error(`README line ${i + 2}: unterminated block`);
    out.push({
      lang: fence[1] as Example['lang'],
      code: lines.slice(i + 2, end).join('\n'),
      line: i + 2,
    });
  }
  return out;
}

/** The commands of a shell block, backslash continuations joined. */
function commandsOf(code: string): string[] {
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** Asserts that one curl's output is a successful answer of its API (JSON or an SSE stream). */
function expectSuccess(command: string, out: string): void {
  const text = out.trim();
  expect([command, text.length > 0]).toEqual([command, true]);
  if (text.startsWith('{')) {
    const body = JSON.parse(text) as Record<string, unknown>;
    // A Responses object carries `error: null`; a stored response must also have completed.
    const failed = (body['error'] ?? null) !== null || body['type'] === 'error';
    const unfinished = body['object'] === 'response' && body['status'] !== 'completed';
    expect([command, failed, unfinished]).toEqual([command, false, false]);
    return;
  }
  // SSE: OpenAI chat-style streams end with [DONE]; Responses and Anthropic with a final event.
  const events = text.split('\n\n').map((e) => e.trim());
  expect([command, events.some((e) => /^event: (error|response\.failed)$/m.test(e))]).toEqual([
    command,
    false,
  ]);
  const last = events[events.length - 1];
  expect([command, /data: \[DONE\]|event: (response\.completed|message_stop)/.test(last)]).toEqual([
    command,
    true,
  ]);
}

describe('README examples, against npm start (the default fleet)', () => {
  const examples = markedExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  let gateway: GatewayProcess;
  let hostPort: string;

  beforeAll(async () => {
    gateway = await GatewayProcess.start([
      '--fleet',
      'default',
      '--dds-domain',
      DOMAIN,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ]);
    hostPort = new URL(gateway.url).host;
    await waitFor(
      'phi-4-mini on the default fleet',
      async () => {
        const res = await fetch(`${gateway.url}/health/ready`);
        await res.body?.cancel();
        return res.ok;
      },
      30_000,
      50,
    );
    rmSync(WORK_DIR, { recursive: true, force: true });
    mkdirSync(WORK_DIR, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    rmSync(WORK_DIR, { recursive: true, force: true });
  });

  it('marks the examples of every translated API, in both languages', () => {
    expect(examples.filter((e) => e.lang === 'bash')).toHaveLength(3);
    expect(examples.filter((e) => e.lang === 'ts')).toHaveLength(3);
    for (const api of ['responses', 'completions', 'messages']) {
      expect([
        api,
        examples.some((e) => e.lang === 'bash' && e.code.includes(`/v1/${api}`)),
      ]).toEqual([api, true]);
    }
  });

  it('runs every shell example as written; each answer is a success of its API', async () => {
    for (const example of examples.filter((e) => e.lang === 'bash')) {
      for (const command of commandsOf(example.code)) {
        const local = command.replaceAll('localhost:8080', hostPort);
        expect([command, local.startsWith('curl ')]).toEqual([command, true]);
        const { stdout } = await run('bash', ['-c', local], { timeout: 20_000 });
        expectSuccess(command, stdout);
      }
    }
  }, 60_000);

  it('type-checks and runs every TypeScript example with the official SDKs', async () => {
    const files = examples
      .filter((e) => e.lang === 'ts')
      .map((e) => {
        const file = join(WORK_DIR, `example-line-${e.line}.ts`);
        writeFileSync(file, e.code.replaceAll('http://localhost:8080', gateway.url) + '\n');
        return file;
      });
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--target', 'ES2022', '--module', 'commonjs']
        .concat(['--moduleResolution', 'node', '--esModuleInterop', '--skipLibCheck'])
        .concat(['--types', 'node', ...files]),
      { cwd: ROOT, timeout: 60_000 },
    ).catch((err: { stdout?: string }) => {
      throw new Error(
        `README TypeScript examples do not type-check:\n${err.stdout ?? String(err)}`,
      );
    });
    for (const file of files) {
      const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', file], {
        cwd: ROOT,
        timeout: 30_000,
      });
      expect([file, stdout.trim().length > 0]).toEqual([file, true]);
    }
  }, 120_000);
});
