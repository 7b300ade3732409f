/**
 * One side of the transport benchmark, run as its own process (the benchmark spawns two):
 *   node-peer <ping|pong|pub|sub> <domainId> <typesModule> <json options>
 * `ping` and `sub` print their measurements as one JSON line on stdout.
 */
import { DomainParticipant, type Qos, type TypeSupport } from '@dds/transport';

interface PingSample {
  id: number;
  seq: number;
  payload: Uint8Array;
}

interface PeerOptions {
  readonly payloadBytes: number;
  readonly warmup: number;
  readonly count: number;
  readonly seconds: number;
}

const LATENCY_QOS: Qos = {
  reliability: { kind: 'reliable' },
  history: { kind: 'keep-last', depth: 1 },
};
const THROUGHPUT_QOS: Qos = {
  reliability: { kind: 'reliable', maxBlockingTimeMs: 10_000 },
  history: { kind: 'keep-all' },
};

async function main(): Promise<void> {
  const [role, domain, typesModule, json] = process.argv.slice(2);
  const options = JSON.parse(json) as PeerOptions;
  const { PingType } = (await import(typesModule)) as { PingType: TypeSupport<PingSample> };
  const participant = new DomainParticipant({ domainId: Number(domain) });
  const payload = new Uint8Array(options.payloadBytes);
  try {
    if (role === 'ping' || role === 'pong') {
      const out = participant.createTopic(
        role === 'ping' ? 'bench/ping' : 'bench/pong',
        PingType,
        LATENCY_QOS,
      );
      const back = participant.createTopic(
        role === 'ping' ? 'bench/pong' : 'bench/ping',
        PingType,
        LATENCY_QOS,
      );
      const writer = participant.createWriter(out, LATENCY_QOS);
      const reader = participant.createReader(back, LATENCY_QOS);
      await Promise.all([
        writer.waitForMatch({ timeoutMs: 30_000 }),
        reader.waitForMatch({ timeoutMs: 30_000 }),
      ]);
      // Both sides answer from the reader's 'data' handler, synchronously: the fastest public path
      // (no promise or async-iterator turn between the doorbell and the reply).
      if (role === 'pong') {
        await new Promise<void>((resolve) => {
          const onData = (): void => {
            for (const sample of reader.take()) {
              if (!sample.data) continue;
              if (sample.data.seq === 0xffffffff) {
                reader.off('data', onData);
                resolve();
                return;
              }
              writer.write(sample.data);
            }
          };
          reader.on('data', onData);
        });
        return;
      }
      const total = options.warmup + options.count;
      const rtts = new Float64Array(options.count);
      let seq = 0;
      let start = process.hrtime.bigint();
      let watchdog: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        const onData = (): void => {
          for (const sample of reader.take()) {
            if (sample.data?.seq !== seq) continue;
            if (seq >= options.warmup)
              rtts[seq - options.warmup] = Number(process.hrtime.bigint() - start) / 1000;
            if (++seq === total) {
              reader.off('data', onData);
              resolve();
              return;
            }
            start = process.hrtime.bigint();
            writer.write({ id: 0, seq, payload });
          }
        };
        reader.on('data', onData);
        writer.write({ id: 0, seq, payload });
        // A ping written before the pong side has matched this writer is lost (volatile): resend
        // one that stalls, so discovery order cannot hang the run.
        let seen = -1;
        watchdog = setInterval(() => {
          if (seen === seq) writer.write({ id: 0, seq, payload });
          seen = seq;
        }, 500);
      });
      clearInterval(watchdog);
      writer.write({ id: 0, seq: 0xffffffff, payload });
      await writer.waitForAcks(5_000);
      process.stdout.write(JSON.stringify({ rtt_us: Array.from(rtts) }) + '\n');
      return;
    }
    const topic = participant.createTopic('bench/throughput', PingType, THROUGHPUT_QOS);
    if (role === 'pub') {
      const writer = participant.createWriter(topic, THROUGHPUT_QOS);
      await writer.waitForMatch({ timeoutMs: 30_000 });
      const end = Date.now() + options.seconds * 1000;
      let seq = 0;
      let chunks = 0;
      const sample = { id: 0, seq: 0, payload };
      while (Date.now() < end) {
        // Yield to the event loop now and then so the process stays responsive.
        for (let i = 0; i < 1000; i++) {
          sample.seq = seq++;
          writer.write(sample);
        }
        // Every 64th chunk: `seq` grows by 1000 per chunk, so a test on `seq & 0xffff` (as here
        // before) held only at multiples of 8,192,000 and the loop never yielded.
        if (++chunks % 64 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await writer.waitForAcks(30_000);
      process.stdout.write(JSON.stringify({ sent: seq }) + '\n');
      return;
    }
    if (role === 'sub') {
      const reader = participant.createReader(topic, THROUGHPUT_QOS);
      await reader.waitForMatch({ timeoutMs: 30_000 });
      let received = 0;
      let first = 0n;
      let last = 0n;
      const drain = () => {
        for (let batch = reader.take(4096); batch.length > 0; batch = reader.take(4096)) {
          // Only data counts: when the publisher closes, its instance turns no-writers, which
          // arrives as one more (invalid) sample and made `lost` come out as -1.
          let valid = 0;
          for (const s of batch) if (s.info.validData) valid++;
          if (valid === 0) continue;
          if (received === 0) first = process.hrtime.bigint();
          received += valid;
          last = process.hrtime.bigint();
        }
      };
      reader.on('data', drain);
      // The publisher closes once its samples are acknowledged: that ends the measurement.
      await new Promise<void>((resolve) => {
        const onMatched = (status: { currentCount: number }) => {
          if (status.currentCount > 0) return;
          reader.off('subscription-matched', onMatched);
          resolve();
        };
        reader.on('subscription-matched', onMatched);
      });
      drain();
      const seconds = Number(last - first) / 1e9;
      process.stdout.write(
        JSON.stringify({ received, seconds, sps: seconds > 0 ? received / seconds : 0 }) + '\n',
      );
      return;
    }
    throw new Error(`unknown role ${role}`);
  } finally {
    participant.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `node-peer failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
