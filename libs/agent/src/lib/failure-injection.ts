import {
  EngineError,
  type ChatJob,
  type EmbeddingJob,
  type EmbeddingResult,
  type Engine,
  type EngineEvent,
} from './engine';

/** Failure injection for tests and chaos runs. */
export interface FailureInjectionOptions {
  /** Fraction (0..1) of requests that fail with a retryable `injected_failure`. Default 0. */
  readonly errorRate?: number;
  /** After this many requests have started, the process crashes (see `crash`). */
  readonly crashAfter?: number;
  /** Every request stops producing after this many output events and hangs until cancelled. */
  readonly stallAfterTokens?: number;
  /** Seeds the error-rate draw (deterministic sequences). Default 1. */
  readonly seed?: number;
  /** What "crash" does. Default: SIGKILL this process (no clean leave: liveliness must notice). */
  readonly crash?: () => void;
}

/** Wraps an engine with injected errors, a crash after N requests, or a stall after N tokens. */
export class FailureInjectingEngine implements Engine {
  readonly name: string;
  private started = 0;
  private state: number;

  constructor(
    private readonly inner: Engine,
    private readonly options: FailureInjectionOptions,
  ) {
    const rate = options.errorRate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`errorRate must be in 0..1, got ${rate}`);
    for (const k of ['crashAfter', 'stallAfterTokens'] as const) {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
        throw new RangeError(`${k} must be an integer >= 0, got ${v}`);
      }
    }
    this.name = inner.name;
    this.state = (options.seed ?? 1) >>> 0 || 1;
  }

  async *chat(job: ChatJob): AsyncGenerator<EngineEvent> {
    this.begin();
    const stallAfter = this.options.stallAfterTokens;
    let n = 0;
    for await (const ev of this.inner.chat(job)) {
      if (stallAfter !== undefined && ev.type !== 'final' && n >= stallAfter) {
        await stall(job.signal);
      }
      n++;
      yield ev;
    }
  }

  async embed(job: EmbeddingJob): Promise<EmbeddingResult> {
    this.begin();
    if (this.options.stallAfterTokens === 0) await stall(job.signal);
    return this.inner.embed(job);
  }

  close(): Promise<void> | void {
    return this.inner.close?.();
  }

  private begin(): void {
    this.started++;
    const crashAfter = this.options.crashAfter;
    if (crashAfter !== undefined && this.started > crashAfter) {
      (this.options.crash ?? (() => process.kill(process.pid, 'SIGKILL')))();
    }
    const rate = this.options.errorRate ?? 0;
    if (rate > 0 && this.draw() < rate) {
      throw new EngineError('injected failure', 'injected_failure', true);
    }
  }

  /** xorshift32 in 0..1. */
  private draw(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
}

function stall(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
