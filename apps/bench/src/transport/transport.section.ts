import type { BenchSection } from '../sections';
import { markdownTable, writeSectionReport } from '../lib/report';
import { round, summarize } from '../lib/stats';
import { ddsperfRoundTrip, ddsperfThroughput } from './ddsperf';
import { ddsEnv, generateTypes, runPeers } from './node-peers';

const DOMAIN_ID = 80;
/** ddsperf in waitset mode (wire's domain range, no other section uses it). */
const WAITSET_DOMAIN_ID = 220;
const PAYLOAD_BYTES = 100;
/**
 * Bytes of a sample outside its payload, the same on both sides: ddsperf's KeyedSeq (seq, key,
 * sequence length) and bench::Ping (id, seq, sequence length). ddsperf's `size` counts them, so
 * a Node sample carries `size - FIXED_BYTES` payload bytes to match it.
 */
const FIXED_BYTES = 12;
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
    // ddsperf's default answers from its listener, on Cyclone's receive thread: no thread hand-off
    // at all. Node cannot run JS there, so each side of a Node round trip hands the sample to the
    // event loop; ddsperf's waitset mode does the same hand-off (receive thread -> waitset thread)
    // and is the reference with equal thread hops.
    const ddsperfRtt = await ddsperfRoundTrip(DOMAIN_ID, DDSPERF_SECONDS, env);
    const ddsperfWaitsetRtt = await ddsperfRoundTrip(
      WAITSET_DOMAIN_ID,
      DDSPERF_SECONDS,
      env,
      ['waitset'],
      ['waitset'],
    );
    const { ping: pingResult } = (await runPeers(['pong', 'ping'], DOMAIN_ID + 1, typesModule, {
      // ddsperf ping's default sample is its fixed part alone.
      payloadBytes: 0,
      warmup: WARMUP,
      count: SAMPLES,
      seconds: 0,
    })) as { ping: { rtt_us: number[] } };
    const rtt = summarize(pingResult.rtt_us);
    const ddsperfSub = await ddsperfThroughput(DOMAIN_ID + 2, DDSPERF_SECONDS, PAYLOAD_BYTES, env);
    const peers = (await runPeers(['sub', 'pub'], DOMAIN_ID + 3, typesModule, {
      payloadBytes: PAYLOAD_BYTES - FIXED_BYTES,
      warmup: 0,
      count: 0,
      seconds: THROUGHPUT_SECONDS,
    })) as { sub: { sps: number; received: number }; pub: { sent: number } };
    const { sub, pub } = peers;

    const data = {
      rtt_us: { p50: round(rtt.p50), p90: round(rtt.p90), p99: round(rtt.p99) },
      rtt_samples: rtt.n,
      ddsperf_rtt_us: {
        p50: round(ddsperfRtt.p50),
        p90: round(ddsperfRtt.p90),
        p99: round(ddsperfRtt.p99),
      },
      rtt_p50_ratio: round(rtt.p50 / ddsperfRtt.p50),
      ddsperf_waitset_rtt_us: {
        p50: round(ddsperfWaitsetRtt.p50),
        p90: round(ddsperfWaitsetRtt.p90),
        p99: round(ddsperfWaitsetRtt.p99),
      },
      rtt_p50_ratio_vs_waitset: round(rtt.p50 / ddsperfWaitsetRtt.p50),
      throughput_sps: Math.round(sub.sps),
      ddsperf_throughput_sps: Math.round(ddsperfSub.sps),
      throughput_ratio: round(sub.sps / ddsperfSub.sps),
      // Reliable keep-all: anything not received is lost, counted at both ends.
      sent: pub.sent,
      received: sub.received,
      lost: pub.sent - sub.received,
      ddsperf_received: ddsperfSub.received,
      ddsperf_lost: ddsperfSub.lost,
      sample_bytes: PAYLOAD_BYTES,
      rtt_sample_bytes: FIXED_BYTES,
      // Issue #15.5's targets (the bench reports them, met or not).
      targets: { rtt_p50_ratio_max: 1.3, throughput_ratio_min: 0.7 },
    };
    const table = markdownTable(
      ['metric', 'Node <-> Node (@dds/transport)', 'ddsperf (C)', 'ratio', 'target'],
      [
        [
          'round trip p50 (us)',
          data.rtt_us.p50,
          data.ddsperf_rtt_us.p50,
          data.rtt_p50_ratio,
          '<= 1.3x',
        ],
        [
          'round trip p50 (us) vs ddsperf waitset (same thread hops)',
          data.rtt_us.p50,
          data.ddsperf_waitset_rtt_us.p50,
          data.rtt_p50_ratio_vs_waitset,
          '',
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
          `throughput, ${PAYLOAD_BYTES} B samples, reliable (samples/s)`,
          data.throughput_sps,
          data.ddsperf_throughput_sps,
          data.throughput_ratio,
          '>= 0.7x',
        ],
        [
          'samples lost (sent - received, reliable)',
          `${data.lost} of ${data.sent}`,
          `${data.ddsperf_lost} (of ${data.ddsperf_received} received)`,
          '',
          '0',
        ],
      ],
    );
    return writeSectionReport('dds-overhead', 'transport', data, table);
  },
};
