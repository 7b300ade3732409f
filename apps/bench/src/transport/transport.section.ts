import type { BenchSection } from '../sections';
import { markdownTable, writeSectionReport } from '../lib/report';
import { round, summarize } from '../lib/stats';
import { ddsperfRoundTrip, ddsperfThroughput } from './ddsperf';
import { ddsEnv, generateTypes, runPeers } from './node-peers';

const DOMAIN_ID = 80;
const PAYLOAD_BYTES = 100;
const WARMUP = 1_000;
const SAMPLES = 10_000;
const THROUGHPUT_SECONDS = 5;
const DDSPERF_SECONDS = 6;

/**
 * Transport overhead: Node<->Node round trips and throughput across two processes, against
 * CycloneDDS's own ddsperf on the same machine in the same run.
 */
export const transportSection: BenchSection = {
  name: 'transport',
  async run() {
    const typesModule = generateTypes();
    const env = ddsEnv();
    const ddsperfRtt = await ddsperfRoundTrip(DOMAIN_ID, DDSPERF_SECONDS, env);
    const pingResult = (await runPeers(['pong', 'ping'], DOMAIN_ID + 1, typesModule, {
      payloadBytes: 12,
      warmup: WARMUP,
      count: SAMPLES,
      seconds: 0,
    })) as { rtt_us: number[] };
    const rtt = summarize(pingResult.rtt_us);
    const ddsperfSps = await ddsperfThroughput(DOMAIN_ID + 2, DDSPERF_SECONDS, PAYLOAD_BYTES, env);
    const sub = (await runPeers(['sub', 'pub'], DOMAIN_ID + 3, typesModule, {
      payloadBytes: PAYLOAD_BYTES,
      warmup: 0,
      count: 0,
      seconds: THROUGHPUT_SECONDS,
    })) as { sps: number; received: number };

    const data = {
      rtt_us: { p50: round(rtt.p50), p90: round(rtt.p90), p99: round(rtt.p99) },
      rtt_samples: rtt.n,
      ddsperf_rtt_us: {
        p50: round(ddsperfRtt.p50),
        p90: round(ddsperfRtt.p90),
        p99: round(ddsperfRtt.p99),
      },
      rtt_p50_ratio: round(rtt.p50 / ddsperfRtt.p50),
      throughput_sps: Math.round(sub.sps),
      ddsperf_throughput_sps: Math.round(ddsperfSps),
      throughput_ratio: round(sub.sps / ddsperfSps),
      payload_bytes: PAYLOAD_BYTES,
      rtt_payload_bytes: 12,
      targets: { rtt_p50_ratio_max: 2.5, throughput_ratio_min: 0.35 },
    };
    const table = markdownTable(
      ['metric', 'Node <-> Node (@dds/transport)', 'ddsperf (C)', 'ratio', 'target'],
      [
        [
          'round trip p50 (us)',
          data.rtt_us.p50,
          data.ddsperf_rtt_us.p50,
          data.rtt_p50_ratio,
          '<= 2.5x',
        ],
        [
          'round trip p90 (us)',
          data.rtt_us.p90,
          data.ddsperf_rtt_us.p90,
          round(rtt.p90 / ddsperfRtt.p90),
          '',
        ],
        [
          'round trip p99 (us)',
          data.rtt_us.p99,
          data.ddsperf_rtt_us.p99,
          round(rtt.p99 / ddsperfRtt.p99),
          '',
        ],
        [
          `throughput, ${PAYLOAD_BYTES} B reliable (samples/s)`,
          data.throughput_sps,
          data.ddsperf_throughput_sps,
          data.throughput_ratio,
          '>= 0.35x',
        ],
      ],
    );
    return writeSectionReport('dds-overhead', 'transport', data, table);
  },
};
