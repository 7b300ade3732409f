// autocannon ships no types and @types/autocannon is not a dependency: the part this bench uses.
declare module 'autocannon' {
  interface Histogram {
    average: number;
    total: number;
    p50: number;
    p99: number;
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    requests?: {
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      onResponse?: (status: number, body: string) => void;
    }[];
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    /** Responses with a 2xx status. */
    '2xx': number;
    /** Seconds the run took. */
    duration: number;
  }
  /** A run: an event emitter that is also a promise of the result. */
  interface Instance extends PromiseLike<Result> {
    /** Every response, with autocannon's own hrtime-based time in ms (fractional). */
    on(
      event: 'response',
      listener: (client: unknown, status: number, bytes: number, ms: number) => void,
    ): this;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}
