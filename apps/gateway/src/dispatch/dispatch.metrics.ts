import { Injectable } from '@nestjs/common';

/** A plain counter (exported to Prometheus by the MetricsService, which sits above the dispatcher). */
export class Tally {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

/** Plain counters by one label value. */
export class LabelledTally<L extends string> {
  readonly values = new Map<L, number>();

  inc(label: L, by = 1): void {
    this.values.set(label, (this.values.get(label) ?? 0) + by);
  }
}

/** Counts kept by the dispatcher itself. */
@Injectable()
export class DispatchMetrics {
  /** Requests that went to a DDS agent's announced HTTP endpoint because DDS could not reach it. */
  readonly httpFallbacks = new Tally();
  /** Answers moved to another agent mid-generation, by why the agent was left. */
  readonly resumes = new LabelledTally<'lost' | 'stalled'>();
  /** Answers that could not move on (no agent could continue, or `scheduler.max_resumes` spent). */
  readonly resumeFailures = new LabelledTally<'no_agent' | 'budget'>();
  /** Partial-answer tokens the continuing agents prefilled again (the cost of resuming). */
  readonly resumeRefillTokens = new Tally();
}
