import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { GatewayProcess } from './support/gateway-process';
import { SimulatorProcess } from './support/simulator-process';

/** Domain of this file (the dashboard's range is 170-179). */
const DOMAIN = '172';
const KEY = 'dashboard-e2e-key';
/** The DDS liveliness lease of the agent this suite kills, seconds. */
const LEASE_S = 1;
const OUT = join(__dirname, '..', '..', '..', 'dist', 'dashboard');
const DEFAULT_AGENTS = ['sim-embed-1', 'sim-text-1', 'sim-text-2', 'sim-vision-1'];

describe('the dashboard in a real browser, over a real gateway and simulated fleet', () => {
  let gateway: GatewayProcess;
  let victim: SimulatorProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const transferred: { url: string; bytes: number }[] = [];

  beforeAll(async () => {
    // The default fleet `npm start` runs, plus one agent of our own to kill.
    gateway = await GatewayProcess.start(
      ['--port', '0', '--host', '127.0.0.1', '--dds-domain', DOMAIN, '--fleet', 'default'],
      // The gateway keeps its default heartbeat settings (those of the default fleet): the
      // killed agent is detected by its own DDS liveliness lease.
      { DDS_LLM_API_KEYS: KEY },
      60_000,
    );
    victim = await SimulatorProcess.start([
      '--dds-domain',
      DOMAIN,
      '--port',
      '0',
      '--count',
      '1',
      '--id-prefix',
      'victim-',
      '--model',
      'victim-model',
      '--timeout',
      String(LEASE_S),
      '--heartbeat-interval',
      '0.2',
    ]);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await victim?.kill();
    await gateway?.stop();
  });

  it('a wrong API key gets a clear message, and no key asks for one', async () => {
    const ctx = await browser.newContext();
    try {
      const p = await ctx.newPage();
      await p.goto(`${gateway.url}/dashboard`);
      const alert = p.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('requires an API key');
      await p.getByRole('textbox', { name: 'API key' }).fill('not-the-key');
      await p.getByRole('button', { name: 'Connect' }).click();
      await p.getByText('The gateway did not accept this API key').waitFor();
      expect(await p.locator('table.fleet').count()).toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('loads with no console errors and lists the default fleet', async () => {
    context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    // The key as the page keeps it once entered: in this tab's session storage.
    await context.addInitScript(
      `sessionStorage.setItem('dds-llm.dashboard.api-key', ${JSON.stringify(KEY)})`,
    );
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('requestfinished', async (req) => {
      if (!req.url().includes('/dashboard')) return;
      const sizes = await req.sizes();
      transferred.push({
        url: req.url(),
        bytes: sizes.responseBodySize + sizes.responseHeadersSize,
      });
    });
    await page.goto(`${gateway.url}/dashboard`);
    await page.locator('[data-connection="open"]').waitFor();
    for (const id of [...DEFAULT_AGENTS, victim.agents[0]?.id as string]) {
      await page.locator(`tr[data-agent-id="${id}"][data-health="healthy"]`).waitFor();
    }
    const ids = await page
      .locator('table.fleet tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-agent-id')));
    expect(ids).toEqual(expect.arrayContaining(DEFAULT_AGENTS));
    // The model filter narrows the table to one model's agents.
    await page.getByLabel('Filter by model').selectOption('phi-4-mini');
    // (Locators, not page functions: the page's CSP forbids evaluating strings, rightly.)
    await page.locator('table.fleet tbody tr[data-agent-id]').nth(2).waitFor({ state: 'detached' });
    expect(await page.locator('table.fleet tbody tr[data-agent-id]').count()).toBe(2);
    await page.getByLabel('Filter by model').selectOption('');
    // This gateway is on the domain's gateway list (gateway/status), marked as itself.
    await page.locator('ul.gateways li.self[data-gateway-id]').waitFor();
    expect(consoleErrors).toEqual([]);

    const bytes = transferred.reduce((a, t) => a + t.bytes, 0);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(
      join(OUT, 'load-size.json'),
      JSON.stringify({ bytes, files: transferred }, null, 2),
    );
    // Pre-compressed Preact + uPlot: well under a typical admin UI; a bundle grown past this is a bug.
    expect(bytes).toBeLessThan(120_000);
  }, 60_000);

  it('chat requests appear in recent requests with the agent that served them, and move the request-rate chart', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const served = new Map<string, string>();
    for (let i = 0; i < 3; i++) {
      const id = `dash-e2e-${i}`;
      const before = await servedCounts();
      const stream = await client.chat.completions.create(
        { model: 'phi-4-mini', messages: [{ role: 'user', content: `hello ${i}` }], stream: true },
        { headers: { 'x-request-id': id } },
      );
      for await (const chunk of stream) void chunk;
      const after = await servedCounts();
      const agent = [...after].find(([a, n]) => n > (before.get(a) ?? 0))?.[0];
      expect(agent).toBeDefined();
      served.set(id, agent as string);
    }
    for (const [id, agent] of served) {
      const row = page.locator(`tr[data-request-id="${id}"]`);
      await row.waitFor();
      expect(await row.locator('td.agent').textContent()).toBe(agent);
      expect(await row.getAttribute('data-outcome')).toBe('completed');
      // The selector's reason for the choice is shown.
      expect(await row.locator('td.why').textContent()).toMatch(/load/);
    }
    await page.locator('[data-chart="request-rate"]:not([data-total="0"])').waitFor();
    await page.locator('[data-chart="ttft"]:not([data-points="0"])').waitFor();
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('SIGKILL of an agent turns its row offline within the lease', async () => {
    const id = victim.agents[0]?.id as string;
    await victim.kill();
    const killedAt = Date.now();
    // Offline, or already removed from the fleet and leaving the table.
    await page
      .locator(
        `tr[data-agent-id="${id}"][data-health="offline"], tr[data-agent-id="${id}"].row-leaving`,
      )
      .first()
      .waitFor({ timeout: 10_000 });
    const elapsed = Date.now() - killedAt;
    // The lease, plus the page's own path: one DDS event, one WebSocket frame, one render.
    expect(elapsed).toBeLessThan(LEASE_S * 1000 + 1500);
  }, 30_000);

  it('writes a screenshot for the README', async () => {
    await page.locator('[data-connection="open"]').waitFor();
    // Let a leaving row finish its animation so the picture shows the settled fleet.
    await page.locator('tr.row-leaving').first().waitFor({ state: 'detached' });
    mkdirSync(OUT, { recursive: true });
    const path = join(OUT, 'dashboard.png');
    await page.screenshot({ path, fullPage: true });
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 30_000);

  /** Requests served (status 200) per agent, from the gateway's Prometheus counters. */
  async function servedCounts(): Promise<Map<string, number>> {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const counts = new Map<string, number>();
    for (const m of text.matchAll(
      /gateway_requests_total\{[^}]*agent="([^"]+)"[^}]*status="200"\} (\d+)/g,
    )) {
      counts.set(m[1] as string, (counts.get(m[1] as string) ?? 0) + Number(m[2]));
    }
    return counts;
  }
});
