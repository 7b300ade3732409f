import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { GatewayProcess } from './support/gateway-process';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';

const DOMAIN = '62';

describe('two gateways, one DDS fleet', () => {
  let sim: SimulatorProcess;
  let inProcess: Gateway;
  let other: GatewayProcess;

  beforeAll(async () => {
    // Assigned as each one runs, so afterAll stops it even if the other fails to start.
    await Promise.all([
      SimulatorProcess.start([
        '--dds-domain',
        DOMAIN,
        '--port',
        '0',
        '--count',
        '1',
        '--slots',
        '64',
        '--model',
        'shared',
        '--id-prefix',
        'two-',
        '--ttft-ms',
        '0',
        '--prefill-tps',
        '0',
        '--decode-tps',
        '0',
        '--output-tokens',
        '16',
      ]).then((s) => (sim = s)),
      // Same participant name on purpose: gateway ids must still differ per process.
      GatewayProcess.start(['--dds-domain', DOMAIN, '--port', '0', '--host', '127.0.0.1'], {
        DDS_LLM_DDS_PARTICIPANT_NAME: 'orchestrator',
      }).then((g) => (other = g)),
    ]);
    inProcess = await startTestGateway({ DDS_LLM_DDS_DOMAIN: DOMAIN });
    for (const url of [inProcess.url, other.url]) {
      await waitFor(`the agent at ${url}`, async () => {
        const res = (await (await fetch(`${url}/api/v1/agents`)).json()) as { data: unknown[] };
        return res.data.length === 1;
      });
    }
  });

  afterAll(async () => {
    await inProcess?.close();
    await other?.stop();
    await sim?.stop();
  });

  it('both serve concurrently, and every answer is the one for its own prompt', async () => {
    const direct = new OpenAI({ baseURL: sim.agents[0].http, apiKey: 'none', maxRetries: 0 });
    const clients = [inProcess.url, other.url].map(
      (url) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0 }),
    );
    const prompts = Array.from({ length: 40 }, (_, i) => `prompt number ${i} ${'x'.repeat(i)}`);
    const expected = await Promise.all(
      prompts.map(async (p) => {
        const r = await direct.chat.completions.create({
          model: 'shared',
          messages: [{ role: 'user', content: p }],
        });
        return r.choices[0].message.content;
      }),
    );
    expect(new Set(expected).size).toBe(prompts.length);
    const answers = await Promise.all(
      prompts.map(async (p, i) => {
        const r = await clients[i % 2].chat.completions.create({
          model: 'shared',
          messages: [{ role: 'user', content: p }],
        });
        return r.choices[0].message.content;
      }),
    );
    expect(answers).toEqual(expected);
  });
});
