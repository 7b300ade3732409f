import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { FleetClient } from '@dds/protocol';
import type { AgentRegistry } from '@dds/registry';
import type { Scheduler } from '@dds/scheduler';
import type { SelectionExplanation, StrategyName } from '@dds/selector';
import { Subject, type Observer, type Subscription } from 'rxjs';
import {
  AGENT_REGISTRY,
  FLEET_CLIENT,
  GATEWAY_CONFIG,
  REQUEST_SCHEDULER,
} from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';
import { agentListing } from '../fleet/agents.controller';
import {
  MAX_SAMPLES,
  REQUEST_BACKLOG,
  type AgentLoad,
  type MetricsFrame,
  type RequestRecord,
} from './dashboard.types';
import { Reservoir } from './reservoir';

/** The `metrics` channel's period. */
export const METRICS_INTERVAL_MS = 1000;

const round2 = (ms: number) => Math.round(ms * 100) / 100;

/**
 * One request's way through the gateway, as the dashboard sees it. Created by
 * {@link RequestFeed.begin} on the shared request path; the dispatcher reports assignments, the
 * path reports output and the end.
 */
export class RequestTrace {
  private agent: string | null = null;
  private strategy: StrategyName | null = null;
  private explanation: SelectionExplanation | null = null;
  private firstOutputAt: number | undefined;
  private lastOutputAt = 0;
  private ended = false;
  private resumes = 0;
  private readonly startedAt = performance.now();
  private readonly wallAt = Date.now();

  constructor(
    private readonly feed: RequestFeed,
    readonly id: string,
    readonly endpoint: 'chat' | 'embedding',
    readonly model: string,
    /** Whether this request's routing decision is explained and published. */
    readonly sampled: boolean,
    /** Whether latency samples are wanted now (someone watches the `metrics` channel). */
    private readonly timed: boolean,
  ) {}

  /** The dispatcher gave the request to `agentId` (again, on a retry). */
  assigned(agentId: string, strategy: StrategyName, explanation?: SelectionExplanation): void {
    this.agent = agentId;
    this.strategy = strategy;
    if (explanation) this.explanation = explanation;
  }

  /** A streamed output event reached the client. */
  output(): void {
    const now = performance.now();
    if (this.firstOutputAt === undefined) {
      this.firstOutputAt = now;
      if (this.timed) this.feed.ttft.add(round2(now - this.startedAt));
    } else if (this.timed) {
      this.feed.itl.add(round2(now - this.lastOutputAt));
    }
    this.lastOutputAt = now;
  }

  /** The answer moved to `agentId` mid-generation (its agent was lost or stalled). */
  resumed(agentId: string): void {
    this.agent = agentId;
    this.resumes++;
  }

  completed(agentId: string, attempts: number, queuedMs: number, tokens: number | null): void {
    this.agent = agentId;
    const outcome = this.resumes > 0 ? 'resumed' : attempts > 1 ? 'retried' : 'completed';
    this.end(200, outcome, null, { attempts, queuedMs, tokens });
  }

  failed(status: number, message: string): void {
    this.end(status, 'failed', message);
  }

  cancelled(): void {
    this.end(499, 'cancelled', null);
  }

  private end(
    status: number,
    outcome: RequestRecord['outcome'],
    error: string | null,
    done?: { attempts: number; queuedMs: number; tokens: number | null },
  ): void {
    if (this.ended) return;
    this.ended = true;
    const record: RequestRecord | undefined = this.sampled
      ? {
          id: this.id,
          at: this.wallAt,
          endpoint: this.endpoint,
          model: this.model,
          agent: this.agent,
          strategy: this.strategy,
          explanation: this.explanation,
          queue_ms: done ? round2(done.queuedMs) : null,
          ttft_ms:
            this.firstOutputAt === undefined ? null : round2(this.firstOutputAt - this.startedAt),
          duration_ms: round2(performance.now() - this.startedAt),
          tokens: done?.tokens ?? null,
          attempts: done?.attempts ?? (this.agent ? 1 : 0),
          outcome,
          status,
          error,
        }
      : undefined;
    this.feed.finished(status, record);
  }
}

/**
 * The dashboard's view of the request path: every request's outcome counted per interval, TTFT
 * and inter-token samples, and a rate-limited sample of requests with the selector's explanation
 * of where each went. Publishes the `metrics` channel at 1 Hz (with the scheduler's queue and
 * the registry's per-agent load) and the `requests` channel as sampled requests finish. Nothing
 * here polls `/metrics`: the figures come from the request path itself.
 */
@Injectable()
export class RequestFeed implements OnModuleDestroy {
  /** This gateway's id on the fleet (its DDS responses partition), or a local one without DDS. */
  readonly gatewayId: string;
  /** @internal Samples of the current interval, fed by traces. */
  readonly ttft = new Reservoir(MAX_SAMPLES);
  /** @internal */
  readonly itl = new Reservoir(MAX_SAMPLES);
  private counts: Record<string, number> = {};
  private finishedInInterval = 0;
  private rate = 0;
  private readonly backlog: RequestRecord[] = [];
  private readonly metrics$ = new Subject<MetricsFrame>();
  private readonly requests$ = new Subject<RequestRecord>();
  private metricsWatchers = 0;
  private readonly timer: NodeJS.Timeout;
  private intervalStart = performance.now();
  private sampleSecond = 0;
  private sampleBudget = 0;
  private readonly sampleRate: number;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(REQUEST_SCHEDULER) private readonly scheduler: Scheduler<unknown, unknown>,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Optional() @Inject(FLEET_CLIENT) fleet?: FleetClient,
  ) {
    this.sampleRate = config.dashboard.sample_rate;
    this.gatewayId = fleet?.gatewayId ?? `${config.dds.participant_name}-${process.pid}`;
    // Always ticking (cheaply): the request rate also goes into this gateway's DDS presence.
    this.timer = setInterval(() => this.tick(), METRICS_INTERVAL_MS);
    this.timer.unref();
  }

  /** Requests finished per second over the last interval. */
  get requestsPerSecond(): number {
    return this.rate;
  }

  /** Starts tracing a request; `requestId` is the client's `x-request-id` or WebSocket id. */
  begin(endpoint: 'chat' | 'embedding', model: string, requestId?: string): RequestTrace {
    return new RequestTrace(
      this,
      requestId ?? randomUUID(),
      endpoint,
      model,
      this.takeSample(),
      this.metricsWatchers > 0,
    );
  }

  /** The `metrics` channel: one frame per second until unsubscribed. */
  watchMetrics(observer: Partial<Observer<MetricsFrame>>): Subscription {
    this.metricsWatchers++;
    const sub = this.metrics$.subscribe(observer);
    sub.add(() => this.metricsWatchers--);
    return sub;
  }

  /** The `requests` channel: the recent backlog (oldest first), then each sampled request. */
  watchRequests(observer: Partial<Observer<RequestRecord>>): {
    backlog: RequestRecord[];
    subscription: Subscription;
  } {
    return { backlog: [...this.backlog], subscription: this.requests$.subscribe(observer) };
  }

  /** @internal Called once per request by its trace. */
  finished(status: number, record: RequestRecord | undefined): void {
    const key = String(status);
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.finishedInInterval++;
    if (!record) return;
    this.backlog.push(record);
    if (this.backlog.length > REQUEST_BACKLOG) this.backlog.shift();
    this.requests$.next(record);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.metrics$.complete();
    this.requests$.complete();
  }

  /** Token bucket of `dashboard.sample_rate` per wall-clock second. */
  private takeSample(): boolean {
    if (this.sampleRate === 0) return false;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.sampleSecond) {
      this.sampleSecond = second;
      this.sampleBudget = this.sampleRate;
    }
    if (this.sampleBudget === 0) return false;
    this.sampleBudget--;
    return true;
  }

  private tick(): void {
    const now = performance.now();
    const interval = Math.max(1, now - this.intervalStart);
    this.intervalStart = now;
    this.rate = Math.round((this.finishedInInterval / (interval / 1000)) * 100) / 100;
    this.finishedInInterval = 0;
    const requests = this.counts;
    this.counts = {};
    const ttft = this.ttft.take();
    const itl = this.itl.take();
    if (this.metricsWatchers === 0) return;
    this.metrics$.next({
      type: 'metrics',
      gateway_id: this.gatewayId,
      at: Date.now(),
      interval_ms: Math.round(interval),
      requests,
      ttft_ms: ttft,
      itl_ms: itl,
      queue_depth: this.scheduler.metrics().queueDepth,
      in_flight: this.scheduler.totalInFlight,
      agents: this.registry.list().map(agentLoad),
    });
  }
}

function agentLoad(view: Parameters<typeof agentListing>[0]): AgentLoad {
  const a = agentListing(view);
  return {
    id: a.id,
    health: a.health,
    state: a.state,
    slots: a.slots,
    slots_busy: a.slots_busy,
    queue_depth: a.queue_depth,
    in_flight: a.in_flight,
    latency_ms: a.latency_ms,
    tokens_per_second: a.tokens_per_second,
    last_seen: a.last_seen,
  };
}
