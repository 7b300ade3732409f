import { Injectable } from '@nestjs/common';

/** A plain counter (exported to Prometheus by the MetricsService, which sits above the dispatcher). */
export class Tally {
  value = 0;

  inc(): void {
    this.value++;
  }
}

/** Counts kept by the dispatcher itself. */
@Injectable()
export class DispatchMetrics {
  /** Requests that went to a DDS agent's announced HTTP endpoint because DDS could not reach it. */
  readonly httpFallbacks = new Tally();
}
