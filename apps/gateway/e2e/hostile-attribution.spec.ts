import OpenAI from 'openai';
import type { Gateway } from '../src/app/gateway';
import { startTestGateway } from './support/gateway-harness';
import { isOpenAIErrorBody, type OpenAIErrorBody } from './support/raw-http';
import { SimulatorProcess } from './support/simulator-process';
import { waitFor } from './support/wait-for';

/** This file's DDS domain (hardening range 150-159). */
const DOMAIN = '153';
const MODEL = 'fa-model';
const FLAKY = 'fa-flaky';
const FAST = ['--ttft-ms', '0', '--prefill-tps', '0', '--decode-tps', '0', '--output-tokens', '4'];
/** Over the protocol's 16 MiB body bound, under this gateway's `server.body_limit`. */
const HUGE_CONTENT = 17 * 1024 * 1024;

interface Breaker {
  state: string;
  failures: number;
  opened_at: string | null;
}

interface Listing {
  id: string;
  models: string[];
  health: string;
  status: string;
  breaker: Breaker;
}

function errorOf(text: string): OpenAIErrorBody['error'] {
  expect(isOpenAIErrorBody(text)).toBe(true);
  return (JSON.parse(text) as OpenAIErrorBody).error;
}

describe('fault attribution: the client pays for its own request, agents only for their faults', () => {
  const sims: SimulatorProcess[] = [];
  let gateway: Gateway;
  let client: OpenAI;

  beforeAll(async () => {
    const common = ['--dds-domain', DOMAIN, '--port', '0', '--timeout', '2'];
    sims.push(
      await SimulatorProcess.start([
        ...common,
        '--heartbeat-interval',
        '0.25',
        '--id-prefix',
        'fa-ok-',
        '--count',
        '2',
        '--model',
        MODEL,
        ...FAST,
      ]),
      await SimulatorProcess.start([
        ...common,
        '--heartbeat-interval',
        '0.25',
        '--id-prefix',
        'fa-bad-',
        '--count',
        '1',
        '--model',
        FLAKY,
        '--error-rate',
        '1',
        ...FAST,
      ]),
    );
    gateway = await startTestGateway({
      DDS_LLM_DDS_DOMAIN: DOMAIN,
      DDS_LLM_AGENTS_HEARTBEAT_INTERVAL: '0.25',
      DDS_LLM_AGENTS_TIMEOUT: '2',
      DDS_LLM_SERVER_BODY_LIMIT: String(40 * 1024 * 1024),
      DDS_LLM_SCHEDULER_MAX_RETRIES: '0',
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'none', maxRetries: 0 });
    await waitFor('three agents', async () => (await agents()).length === 3, 20_000);
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(sims.map((s) => s.stop()));
  });

  async function agents(): Promise<Listing[]> {
    const res = await fetch(`${gateway.url}/api/v1/agents`);
    return ((await res.json()) as { data: Listing[] }).data;
  }

  async function post(body: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  }

  it('a body the protocol cannot carry is a 400 naming the field, ten times over, and counts against no agent', async () => {
    const body = {
      model: MODEL,
      messages: [{ role: 'user', content: 'x'.repeat(HUGE_CONTENT) }],
    };
    for (let i = 0; i < 10; i++) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const error = errorOf(res.text);
      expect(error.type).toBe('invalid_request_error');
      expect(error.param).toBe('messages');
      expect(error.code).toBe('request_too_large');
    }
    const ok = (await agents()).filter((a) => a.models.includes(MODEL));
    expect(ok.map((a) => a.breaker)).toEqual([
      { state: 'closed', failures: 0, opened_at: null },
      { state: 'closed', failures: 0, opened_at: null },
    ]);
    // Before the fix, each such request counted against an agent: ten opened both breakers
    // and every normal chat got a 502.
    for (let i = 0; i < 4; i++) {
      const done = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'still there?' }],
      });
      expect(done.choices[0].finish_reason).toBe('stop');
    }
  });

  it('agent faults open its breaker, and /api/v1/agents says so', async () => {
    const before = Date.now();
    for (let i = 0; i < 5; i++) {
      const res = await post({ model: FLAKY, messages: [{ role: 'user', content: 'hi' }] });
      expect(res.status).toBe(502);
      const [flaky] = (await agents()).filter((a) => a.models.includes(FLAKY));
      if (i < 4)
        expect(flaky.breaker).toEqual({ state: 'closed', failures: i + 1, opened_at: null });
    }
    const [flaky] = (await agents()).filter((a) => a.models.includes(FLAKY));
    expect(flaky.breaker.state).toBe('open');
    expect(flaky.breaker.failures).toBe(0);
    expect(Date.parse(flaky.breaker.opened_at ?? '')).toBeGreaterThanOrEqual(before - 1_000);
    // The agent is alive (it answers heartbeats), but the listing does not call it usable.
    expect(flaky.health).toBe('healthy');
    expect(flaky.status).toBe('breaker-open');
    const one = (await (await fetch(`${gateway.url}/api/v1/agents/${flaky.id}`)).json()) as Listing;
    expect(one.breaker.state).toBe('open');
    // The healthy agents' breakers never moved.
    const ok = (await agents()).filter((a) => a.models.includes(MODEL));
    expect(ok.map((a) => a.breaker.state)).toEqual(['closed', 'closed']);
  });

  it("an agent's metric series leave with it", async () => {
    const gone = await SimulatorProcess.start([
      '--dds-domain',
      DOMAIN,
      '--port',
      '0',
      '--timeout',
      '2',
      '--heartbeat-interval',
      '0.25',
      '--id-prefix',
      'fa-gone-',
      '--count',
      '1',
      '--model',
      'fa-leaving',
      ...FAST,
    ]);
    try {
      await waitFor('the leaving agent', async () =>
        (await agents()).some((a) => a.id.startsWith('fa-gone-')),
      );
      for (let i = 0; i < 2; i++) {
        const res = await post({
          model: 'fa-leaving',
          messages: [{ role: 'user', content: 'hi' }],
        });
        expect(res.status).toBe(200);
      }
      const scrape = async () => (await fetch(`${gateway.url}/metrics`)).text();
      expect(await scrape()).toMatch(/gateway_requests_total\{[^}]*agent="fa-gone-[^"]*"[^}]*\} 2/);
    } finally {
      await gone.stop();
    }
    await waitFor('the agent to leave', async () =>
      (await agents()).every((a) => !a.id.startsWith('fa-gone-')),
    );
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).not.toContain('agent="fa-gone-');
    // Its model is no longer served: a request for it is counted under "unknown".
    const res = await post({ model: 'fa-leaving', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(404);
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).toContain(
      'gateway_requests_total{endpoint="chat",model="unknown",agent="",status="404"} 1',
    );
  });
});
