import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { GatewayProcess, runGatewayCli } from './support/gateway-process';
import { OpenAiStubServer } from './support/openai-stub-server';
import { waitFor } from './support/wait-for';

describe('gateway command line (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-cli-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits non-zero naming the key on a bad flag value', async () => {
    const { code, stderr } = await runGatewayCli(['--port', 'eighty']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/server\.port: .*got "eighty" \(from flag --port\)/);
  });

  it('exits non-zero naming the key on a bad config.yaml value', async () => {
    const path = file('bad.yaml', 'scheduler:\n  max_queue_size: -5\n');
    const { code, stderr } = await runGatewayCli(['--config', path]);
    expect(code).toBe(2);
    expect(stderr).toContain('scheduler.max_queue_size');
    expect(stderr).toContain(`(from ${path})`);
  });

  it('exits non-zero on a bad environment value and on an unknown flag', async () => {
    const env = await runGatewayCli([], { DDS_LLM_DDS_DOMAIN: '999' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/dds\.domain: .*\(from env DDS_LLM_DDS_DOMAIN\)/);
    const flag = await runGatewayCli(['--prot', '1']);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/unknown option '--prot'/);
  });

  it('applies flags over env over file, and PORT', async () => {
    const path = file(
      'ok.yaml',
      'server:\n  host: 127.0.0.1\ndds:\n  enabled: false\n  domain: 5\n',
    );
    const g1 = await GatewayProcess.start(['--config', path, '--dds-domain', '7'], {
      DDS_LLM_DDS_DOMAIN: '6',
      PORT: '0',
    });
    const g2 = await GatewayProcess.start(['--config', path], {
      DDS_LLM_DDS_DOMAIN: '6',
      PORT: '0',
    });
    const g3 = await GatewayProcess.start(['--config', path], { PORT: '0' });
    try {
      const domainOf = (g: GatewayProcess) =>
        (
          JSON.parse(g.output.find((l) => l.includes('gateway listening')) ?? '{}') as {
            ddsDomain?: number;
          }
        ).ddsDomain;
      expect([domainOf(g1), domainOf(g2), domainOf(g3)]).toEqual([7, 6, 5]);
      expect(g1.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${g1.url}/health`)).status).toBe(200);
    } finally {
      await Promise.all([g1.stop(), g2.stop(), g3.stop()]);
    }
  });

  it('on SIGTERM lets an in-flight request finish, then exits 0', async () => {
    const stub = new OpenAiStubServer('drain');
    const url = await stub.start();
    stub.behaviour = { ...stub.behaviour, words: ['slow', ' but', ' complete'], wordDelayMs: 300 };
    const path = file(
      'drain.yaml',
      [
        'dds:',
        '  enabled: false',
        'agents:',
        '  http:',
        `    - { id: d, url: "${url}", models: [m] }`,
      ].join('\n'),
    );
    const g = await GatewayProcess.start(['--config', path, '--host', '127.0.0.1'], { PORT: '0' });
    try {
      const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'none', maxRetries: 0 });
      const pending = client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      });
      await waitFor('the request to reach the agent', () =>
        stub.received.some((r) => r.path.endsWith('/chat/completions')),
      );
      const exit = g.stop();
      expect((await pending).choices[0].message.content).toBe('slow but complete');
      expect(await exit).toBe(0);
      expect(g.output.join('\n')).toContain('shutting down');
    } finally {
      await g.stop();
      await stub.stop();
    }
  });
});
