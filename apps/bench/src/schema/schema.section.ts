import {
  validateChatCompletionDto,
  validateChatCompletionRequest,
  validateEmbeddingRequest,
} from '@dds/openai-schema';
import { machineInfo, markdownTable, writeSectionReport } from '../lib/report';
import { round, summarize, type Summary } from '../lib/stats';
import { measure, timeBatches } from '../lib/timing';
import type { BenchSection } from '../sections';

// One sample times a batch: a single validation (~1 µs) is too close to the clock's own cost.
const BATCH = 50;
const SAMPLES = 2_000;
const DTO_SAMPLES = 200;
const WARMUP_BATCHES = 200;

function chatBody(messages: number): string {
  const history = Array.from({ length: messages }, (_, i) =>
    i % 2 === 0
      ? { role: 'user', content: `Question ${i}: what does the DDS reliability QoS guarantee?` }
      : {
          role: 'assistant',
          content: `Answer ${i}: delivery of every sample while the writer keeps it.`,
        },
  );
  return JSON.stringify({
    model: 'phi-4-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      ...history,
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And this picture?' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
        ],
      },
    ],
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.7,
    max_completion_tokens: 256,
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ],
  });
}

const WORKLOADS = [
  { name: 'chat, 4 messages', text: chatBody(2), validate: validateChatCompletionRequest },
  { name: 'chat, 52 messages', text: chatBody(50), validate: validateChatCompletionRequest },
  {
    name: 'embeddings, 64 texts',
    text: JSON.stringify({
      model: 'e5',
      input: Array.from({ length: 64 }, (_, i) => `passage ${i} about data distribution`),
    }),
    validate: validateEmbeddingRequest,
  },
];

/**
 * `schema`: what request validation adds to the gateway's hot path. Baseline: `JSON.parse` of the same
 * body, measured in the same run, since every request pays that anyway. Also shows the class-validator
 * DTO path the fast validator replaces.
 */
export const schemaSection: BenchSection = {
  name: 'schema',
  async run() {
    const results: Record<string, Record<string, Summary>> = {};
    const rows: (string | number)[][] = [];
    for (const w of WORKLOADS) {
      const parse = () => JSON.parse(w.text) as unknown;
      const parseAndValidate = () => w.validate(JSON.parse(w.text));
      timeBatches(WARMUP_BATCHES, BATCH, parse);
      timeBatches(WARMUP_BATCHES, BATCH, parseAndValidate);
      const baseline = summarize(timeBatches(SAMPLES, BATCH, parse));
      const fast = summarize(timeBatches(SAMPLES, BATCH, parseAndValidate));
      const r: Record<string, Summary> = {
        baseline_json_parse: baseline,
        parse_and_validate: fast,
      };
      rows.push(
        [w.name, 'JSON.parse (baseline)', round(baseline.p50), round(baseline.p99), '-'],
        [
          w.name,
          'parse + validate',
          round(fast.p50),
          round(fast.p99),
          `+${round(((fast.p50 - baseline.p50) / baseline.p50) * 100)}%`,
        ],
      );
      if (w.validate === validateChatCompletionRequest) {
        const dto = () => validateChatCompletionDto(JSON.parse(w.text));
        const slow = measure(dto, { samples: DTO_SAMPLES, warmup: DTO_SAMPLES / 10, batch: BATCH });
        r['parse_and_dto_validate'] = slow;
        rows.push([
          w.name,
          'parse + class-validator DTO',
          round(slow.p50),
          round(slow.p99),
          `+${round(((slow.p50 - baseline.p50) / baseline.p50) * 100)}%`,
        ]);
      }
      results[w.name] = r;
    }
    const machine = machineInfo();
    const table = [
      `Request validation per body, µs (median and p99 over ${SAMPLES} samples of ${BATCH} requests; ` +
        `${machine.cpus} CPUs, load average ${machine.loadavg_1m}):`,
      '',
      markdownTable(['body', 'path', 'p50', 'p99', 'p50 vs JSON.parse'], rows),
    ].join('\n');
    return writeSectionReport(
      'dds-overhead',
      'schema',
      {
        unit: 'us per request',
        machine,
        batch: BATCH,
        samples: SAMPLES,
        dto_samples: DTO_SAMPLES,
        workloads: results,
      },
      table,
    );
  },
};
