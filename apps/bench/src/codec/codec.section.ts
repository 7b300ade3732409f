import { join } from 'node:path';
import type { TypeSupport } from '@dds/transport';
import { generateIdlTypes, WORKSPACE_ROOT } from '../lib/idl-codegen';
import { BENCH_OUTPUT_DIR, machineInfo, markdownTable, writeSectionReport } from '../lib/report';
import { round, type Summary } from '../lib/stats';
import { measure } from '../lib/timing';
import type { BenchSection } from '../sections';

const BATCH = 100;
const SAMPLES = 2_000;
const WARMUP_BATCHES = 300;

/** Generates the bench types with the lib's own dds-idl into dist/ and loads them. */
function loadTypes(): Record<string, TypeSupport<unknown>> {
  const module = generateIdlTypes(
    join(__dirname, 'codec.idl'),
    join(WORKSPACE_ROOT, BENCH_OUTPUT_DIR, 'codec-generated'),
    true,
  );
  return require(module) as Record<string, TypeSupport<unknown>>;
}

/**
 * `codec`: what @dds/transport's generated CDR encode/decode costs per sample, against
 * `JSON.stringify`/`JSON.parse` + `Buffer` of the same object as a baseline measured in the same run.
 */
export const codecSection: BenchSection = {
  name: 'codec',
  async run() {
    const types = loadTypes();
    const workloads = [
      {
        name: 'AgentStatus (keyed, ~100 B)',
        type: types['AgentStatusType'],
        sample: {
          agent_id: 'agent-gpu-07.cluster-a',
          in_flight: 3,
          load: 0.42,
          models: ['phi-4-mini', 'llama-3.1-8b'],
        },
      },
      {
        name: 'Embedding (1024 floats)',
        type: types['EmbeddingType'],
        sample: {
          request_id: 'emb-0001',
          vector: Array.from({ length: 1024 }, (_, i) => Math.fround(Math.sin(i))),
        },
      },
      {
        name: 'TokenChunk (appendable, 1 KB text)',
        type: types['TokenChunkType'],
        sample: {
          request_id: 'chatcmpl-6f1e2d3c4b5a',
          index: 17,
          text: 'lorem ipsum '.repeat(85),
          done: false,
        },
      },
    ];
    const results: Record<string, Record<string, Summary>> = {};
    const rows: (string | number)[][] = [];
    for (const w of workloads) {
      const bytes = w.type.encode(w.sample);
      const json = Buffer.from(JSON.stringify(w.sample));
      const ops: [string, () => unknown][] = [
        ['JSON encode (baseline)', () => Buffer.from(JSON.stringify(w.sample))],
        ['CDR encode', () => w.type.encode(w.sample)],
        ['JSON decode (baseline)', () => JSON.parse(json.toString())],
        ['CDR decode', () => w.type.decode(bytes)],
      ];
      const r: Record<string, Summary> = {};
      for (const [name, op] of ops) {
        r[name] = measure(op, { samples: SAMPLES, warmup: WARMUP_BATCHES, batch: BATCH });
        rows.push([
          w.name,
          name,
          round(r[name].p50),
          round(r[name].p99),
          name.includes('CDR') ? bytes.length : json.length,
        ]);
      }
      results[w.name] = r;
    }
    const machine = machineInfo();
    const table = [
      `Generated CDR codec per sample, µs (median and p99 over ${SAMPLES} samples of ${BATCH}; ` +
        `${machine.cpus} CPUs, load average ${machine.loadavg_1m}):`,
      '',
      markdownTable(['type', 'operation', 'p50', 'p99', 'bytes'], rows),
    ].join('\n');
    return writeSectionReport(
      'dds-overhead',
      'codec',
      { unit: 'us per sample', machine, batch: BATCH, samples: SAMPLES, workloads: results },
      table,
    );
  },
};
