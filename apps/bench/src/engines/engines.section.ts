import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { ensureLlamaModels, ensureLlamaServer } from '@dds/llama-fixtures';
import type * as NodeLlamaCpp from 'node-llama-cpp';
import { Agent, request } from 'undici';
import { ProcessGroup } from '../e2e/e2e.processes';
import { machineInfo, markdownTable, writeSectionReport } from '../lib/report';
import { round, summarize } from '../lib/stats';
import type { BenchSection } from '../sections';

/** A DDS domain of its own (the llama range, 125-134). */
const DOMAIN = '130';
const SAMPLES = Number(process.env['BENCH_ENGINES_SAMPLES'] ?? 20);
const TOKENS = 64;
/** llama.cpp threads everywhere (agent, direct, llama-server): the default spins every core. */
const THREADS = '1';

/** One streamed answer, timed on the client. */
interface StreamTiming {
  readonly ttftMs: number;
  /** Decode rate: tokens after the first over the time after the first. */
  readonly tps: number;
}

/** A free loopback TCP port (llama-server cannot listen on port 0 and report it). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function messages(i: number): { role: 'user'; content: string }[] {
  // A different opening per request: no path gets KV-cache reuse the other lacks.
  return [{ role: 'user', content: `Request ${i}. Tell me a long story about the sea.` }];
}

/**
 * Streams one chat completion over SSE and times it. Counts only what really succeeded: the
 * stream must end with [DONE] and report exactly TOKENS completion tokens; anything else is
 * `undefined` (llama-server fails some streams of the random-weight model with "output does
 * not match the expected format", on its own port and through the sidecar alike).
 */
async function timedStream(
  url: string,
  model: string,
  i: number,
  dispatcher: Agent,
): Promise<StreamTiming | undefined> {
  const t0 = performance.now();
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: messages(i),
      max_tokens: TOKENS,
      seed: i,
      stream: true,
      stream_options: { include_usage: true },
    }),
    dispatcher,
  });
  if (res.statusCode !== 200) {
    throw new Error(`${url} answered ${res.statusCode}: ${await res.body.text()}`);
  }
  let first = 0;
  let last = 0;
  let tokens = -1;
  let done = false;
  let buf = '';
  for await (const chunk of res.body) {
    const now = performance.now();
    buf += String(chunk);
    let at: number;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, at).trim();
      buf = buf.slice(at + 2);
      if (!frame.startsWith('data:')) continue;
      const data = frame.slice(5).trim();
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      const c = JSON.parse(data) as {
        choices?: { delta?: { content?: string } }[];
        usage?: { completion_tokens: number } | null;
      };
      if (c.choices?.[0]?.delta?.content) {
        if (!first) first = now;
        last = now;
      }
      if (c.usage) tokens = c.usage.completion_tokens;
    }
  }
  if (!done || tokens !== TOKENS || !first) return undefined;
  return { ttftMs: first - t0, tps: ((tokens - 1) * 1000) / (last - first) };
}

/** node-llama-cpp in this process: the same model, template, threads and sampling as the agent. */
async function directLlama(modelPath: string) {
  const importModule = new Function('s', 'return import(s)') as (s: string) => Promise<unknown>;
  const nlc = (await importModule(
    pathToFileURL(require.resolve('node-llama-cpp')).href,
  )) as typeof NodeLlamaCpp;
  const llama = await nlc.getLlama({
    gpu: false,
    build: 'never',
    logLevel: nlc.LlamaLogLevel.warn,
  });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({ sequences: 1, threads: Number(THREADS) });
  const seq = context.getSequence();
  const wrapper = nlc.resolveChatWrapper(model);
  return {
    async run(i: number): Promise<StreamTiming> {
      const t0 = performance.now();
      await seq.clearHistory();
      const history = [
        { type: 'user' as const, text: messages(i)[0]?.content ?? '' },
        { type: 'model' as const, response: [] },
      ];
      const prompt = wrapper
        .generateContextState({ chatHistory: history })
        .contextText.tokenize(model.tokenizer);
      let first = 0;
      let last = 0;
      let n = 0;
      const out: NodeLlamaCpp.Token[] = [];
      for await (const t of seq.evaluate(prompt, { temperature: 1, seed: i })) {
        out.push(t);
        // The agent detokenizes every token to stream its text: so does the baseline.
        model.detokenize(out);
        const now = performance.now();
        if (!first) first = now;
        last = now;
        if (++n >= TOKENS) break;
      }
      if (n !== TOKENS) throw new Error(`direct node-llama-cpp made ${n} tokens`);
      return { ttftMs: first - t0, tps: ((n - 1) * 1000) / (last - first) };
    },
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

/**
 * Alternates A and B (A B A B ...) after a warm-up of each, until both have `SAMPLES` complete
 * streams for the same requests; a request either path failed counts in `failed`, for neither.
 */
async function alternate(
  a: (i: number) => Promise<StreamTiming | undefined>,
  b: (i: number) => Promise<StreamTiming | undefined>,
): Promise<{ a: StreamTiming[]; b: StreamTiming[]; failed: number }> {
  await a(10_000);
  await b(10_001);
  const ra: StreamTiming[] = [];
  const rb: StreamTiming[] = [];
  let failed = 0;
  for (let i = 0; ra.length < SAMPLES; i++) {
    if (i >= SAMPLES * 3) throw new Error(`${failed} of ${i} requests failed`);
    const x = await a(i);
    const y = await b(i);
    if (x && y) {
      ra.push(x);
      rb.push(y);
    } else failed++;
  }
  return { a: ra, b: rb, failed };
}

const p50 = (xs: StreamTiming[], k: keyof StreamTiming) =>
  round(summarize(Float64Array.from(xs.map((x) => x[k]))).p50);

/**
 * `engines`: real inference through the fleet against the same engine called directly, in one
 * run: the generated tiny llama GGUF through gateway -> DDS -> dds-llm-agent (llama.cpp in
 * process) vs node-llama-cpp in this process; and llama-server (built from node-llama-cpp's
 * bundled sources) through gateway -> sidecar agent vs its own HTTP port. Streams of 64 tokens,
 * one at a time, the two paths alternated.
 */
export const enginesSection: BenchSection = {
  name: 'engines',
  async run() {
    const { chat } = ensureLlamaModels();
    const serverBin = ensureLlamaServer((l) => process.stderr.write(`[llama-server] ${l}\n`));
    const procs = new ProcessGroup();
    const dispatcher = new Agent({ connections: 1 });
    let direct: Awaited<ReturnType<typeof directLlama>> | undefined;
    let server: ReturnType<typeof spawn> | undefined;
    try {
      const port = await freePort();
      server = spawn(
        serverBin,
        [
          '-m',
          chat,
          '--alias',
          'bench-upstream',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
        ].concat(['-np', '1', '-t', THREADS, '--metrics']),
        { stdio: 'ignore' },
      );
      const upstream = `http://127.0.0.1:${port}`;
      const gateway = await procs.start(
        'apps/gateway/src/main.ts',
        ['--dds-domain', DOMAIN, '--port', '0', '--host', '127.0.0.1', '--fleet', 'none'],
        'gateway listening',
      );
      const gw = `${String(gateway.record['url'])}/v1/chat/completions`;
      await procs.start(
        'apps/agent/src/main.ts',
        [
          '--engine',
          'llama',
          '--model',
          chat,
          '--model-name',
          'bench-llama',
          '--id',
          'bench-llama',
        ].concat(['--threads', THREADS, '--dds-domain', DOMAIN, '--heartbeat-interval', '0.5']),
        'agents ready',
      );
      for (let i = 0; ; i++) {
        const ok = await fetch(`${upstream}/health`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) break;
        if (i > 600) throw new Error('llama-server did not become healthy');
        await new Promise((r) => setTimeout(r, 100));
      }
      await procs.start(
        'apps/agent/src/main.ts',
        ['--engine', 'openai', '--upstream', upstream, '--id', 'bench-sidecar'].concat([
          '--dds-domain',
          DOMAIN,
          '--heartbeat-interval',
          '0.5',
        ]),
        'agents ready',
      );
      await waitForModels(String(gateway.record['url']), ['bench-llama', 'bench-upstream']);

      direct = await directLlama(chat);
      const d = direct;
      const llamaRuns = await alternate(
        (i) => timedStream(gw, 'bench-llama', i, dispatcher),
        (i) => d.run(i),
      );
      const sideRuns = await alternate(
        (i) => timedStream(gw, 'bench-upstream', i, dispatcher),
        (i) => timedStream(`${upstream}/v1/chat/completions`, 'bench-upstream', i, dispatcher),
      );

      const data = {
        llama_tps_gateway: p50(llamaRuns.a, 'tps'),
        llama_tps_direct: p50(llamaRuns.b, 'tps'),
        llama_ttft_p50_ms_gateway: p50(llamaRuns.a, 'ttftMs'),
        llama_ttft_p50_ms_direct: p50(llamaRuns.b, 'ttftMs'),
        sidecar_tps_gateway: p50(sideRuns.a, 'tps'),
        sidecar_tps_direct: p50(sideRuns.b, 'tps'),
        sidecar_ttft_p50_ms_gateway: p50(sideRuns.a, 'ttftMs'),
        sidecar_ttft_p50_ms_direct: p50(sideRuns.b, 'ttftMs'),
        llama_requests_failed: llamaRuns.failed,
        sidecar_requests_failed: sideRuns.failed,
      };
      const machine = machineInfo();
      const report = {
        ...data,
        samples: { streams_per_path: SAMPLES, tokens_per_stream: TOKENS, threads: Number(THREADS) },
        targets: { tps_loss_max_pct: 5, added_ttft_p50_ms_max: 1 },
        machine,
      };
      const loss = (g: number, dd: number) => `${round((100 * (dd - g)) / dd)}%`;
      const markdown = [
        markdownTable(
          [
            'engine',
            'path',
            'streams',
            'tokens/s p50',
            'TTFT p50 ms',
            'tokens/s loss',
            'added TTFT p50 ms',
          ],
          [
            [
              'llama (tiny GGUF)',
              'node-llama-cpp in process',
              SAMPLES,
              data.llama_tps_direct,
              data.llama_ttft_p50_ms_direct,
              '',
              '',
            ],
            [
              'llama (tiny GGUF)',
              'gateway -> DDS -> dds-llm-agent',
              SAMPLES,
              data.llama_tps_gateway,
              data.llama_ttft_p50_ms_gateway,
              loss(data.llama_tps_gateway, data.llama_tps_direct),
              round(data.llama_ttft_p50_ms_gateway - data.llama_ttft_p50_ms_direct),
            ],
            [
              'llama-server',
              'its own HTTP port',
              SAMPLES,
              data.sidecar_tps_direct,
              data.sidecar_ttft_p50_ms_direct,
              '',
              '',
            ],
            [
              'llama-server',
              'gateway -> DDS -> sidecar agent',
              SAMPLES,
              data.sidecar_tps_gateway,
              data.sidecar_ttft_p50_ms_gateway,
              loss(data.sidecar_tps_gateway, data.sidecar_tps_direct),
              round(data.sidecar_ttft_p50_ms_gateway - data.sidecar_ttft_p50_ms_direct),
            ],
          ],
        ),
        '',
        `${TOKENS}-token streams, one at a time, paths alternated; tokens/s is the decode rate after the first token. ` +
          `Requests a path failed (llama ${data.llama_requests_failed}, llama-server ${data.sidecar_requests_failed}) count for neither. ` +
          `Targets: <= 5% tokens/s loss, <= 1 ms added TTFT p50. ${machine.cpus} CPUs shared by clients, ` +
          `gateway, agents and llama-server; load average ${machine.loadavg_1m}.`,
      ].join('\n');
      return writeSectionReport('dds-overhead', 'engines', report, markdown);
    } finally {
      await direct?.close();
      await procs.stop();
      server?.kill('SIGTERM');
      await dispatcher.close();
    }
  },
};

/** Waits until the gateway lists every model (the agents registered over DDS). */
async function waitForModels(gatewayUrl: string, models: string[]): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = (await (await fetch(`${gatewayUrl}/v1/models`)).json()) as { data: { id: string }[] };
    if (models.every((m) => r.data.some((d) => d.id === m))) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`the gateway never listed ${models.join(', ')}`);
}
