import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { AgentRegistry } from '@dds/registry';
import type { Scheduler } from '@dds/scheduler';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { DispatchMetrics } from '../dispatch/dispatch.metrics';
import type { DdsStatus } from '../fleet/dds-status';
import { AGENT_REGISTRY, DDS_STATUS, REQUEST_SCHEDULER } from '../app/core.tokens';

const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
const ITL_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/** The one series every model name not served by a registered agent is counted under. */
export const UNKNOWN_MODEL = 'unknown';
/** Most distinct model label values kept; models announced beyond it count as `unknown`. */
export const MAX_MODEL_SERIES = 512;

type RequestLabels = { endpoint: string; model: string; agent: string; status: string };

/**
 * Prometheus metrics of the gateway (its own registry, so tests can run many gateways).
 *
 * Label values a client or a peer chooses are bounded: a model name becomes its own series only
 * while a registered agent serves it (else `model="unknown"`), an agent label only names a
 * registered agent, and an agent's series are removed when it leaves.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly requestsTotal = new Counter({
    name: 'gateway_requests_total',
    help: 'Requests by endpoint, model, agent and HTTP status',
    labelNames: ['endpoint', 'model', 'agent', 'status'] as const,
    registers: [this.registry],
  });
  private readonly ttftSeconds = new Histogram({
    name: 'gateway_time_to_first_token_seconds',
    help: 'Request arrival to first streamed output',
    labelNames: ['model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly itlSeconds = new Histogram({
    name: 'gateway_inter_token_latency_seconds',
    help: 'Time between consecutive streamed outputs',
    labelNames: ['model'] as const,
    buckets: ITL_BUCKETS,
    registers: [this.registry],
  });
  private readonly e2eSeconds = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'Request arrival to last byte',
    labelNames: ['endpoint', 'model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** `gateway_requests_total` (model and agent labels bounded). */
  readonly requests = {
    inc: (labels: RequestLabels): void => {
      const bounded: RequestLabels = {
        ...labels,
        model: this.modelLabel(labels.model),
        agent: this.agentLabel(labels.agent),
      };
      this.requestsTotal.inc(bounded);
      if (bounded.agent) this.trackAgentSeries(bounded);
    },
  };
  /** `gateway_time_to_first_token_seconds` (model label bounded). */
  readonly ttft = {
    observe: (labels: { model: string }, seconds: number): void =>
      this.ttftSeconds.observe({ model: this.modelLabel(labels.model) }, seconds),
  };
  /** `gateway_inter_token_latency_seconds` (model label bounded). */
  readonly itl = {
    observe: (labels: { model: string }, seconds: number): void =>
      this.itlSeconds.observe({ model: this.modelLabel(labels.model) }, seconds),
  };
  /** `gateway_request_duration_seconds` (model label bounded). */
  readonly e2e = {
    observe: (labels: { endpoint: string; model: string }, seconds: number): void =>
      this.e2eSeconds.observe(
        { endpoint: labels.endpoint, model: this.modelLabel(labels.model) },
        seconds,
      ),
  };
  readonly queueTime = new Histogram({
    name: 'gateway_queue_time_seconds',
    help: 'Submission to first dispatch',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'gateway_retries_total',
    help: 'Attempts retried on another agent',
    registers: [this.registry],
  });
  readonly cancellations = new Counter({
    name: 'gateway_cancellations_total',
    help: 'Requests cancelled (client gone or explicit cancel)',
    registers: [this.registry],
  });
  private readonly subscription: Subscription;
  private readonly registrySubscription: Subscription;
  private readonly modelSeries = new Set<string>();
  /** Label sets of `gateway_requests_total` per agent, removed when the agent leaves. */
  private readonly agentSeries = new Map<string, Map<string, RequestLabels>>();

  constructor(
    @Inject(REQUEST_SCHEDULER) scheduler: Scheduler<unknown, unknown>,
    @Inject(AGENT_REGISTRY) private readonly agents: AgentRegistry,
    dispatch: DispatchMetrics,
    @Optional() @Inject(DDS_STATUS) dds?: DdsStatus,
  ) {
    new Counter({
      name: 'gateway_http_fallbacks_total',
      help: "Requests sent to a DDS agent's announced HTTP endpoint because DDS could not reach it",
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(dispatch.httpFallbacks.value);
      },
    });
    new Counter({
      name: 'gateway_dds_late_responses_total',
      help: 'Response samples for requests no longer awaited (cancelled, or resumed elsewhere), ignored',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(dds?.lateResponses() ?? 0);
      },
    });
    new Counter({
      name: 'gateway_stream_resumes_total',
      help: 'Answers continued on another agent after theirs was lost or stalled mid-generation',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const reason of ['lost', 'stalled'] as const) {
          this.inc({ reason }, dispatch.resumes.values.get(reason) ?? 0);
        }
      },
    });
    new Counter({
      name: 'gateway_stream_resume_failures_total',
      help: 'Answers whose agent was lost mid-generation and that could not continue (no_agent, budget)',
      labelNames: ['reason'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const reason of ['no_agent', 'budget'] as const) {
          this.inc({ reason }, dispatch.resumeFailures.values.get(reason) ?? 0);
        }
      },
    });
    new Counter({
      name: 'gateway_stream_resume_refill_tokens_total',
      help: 'Partial-answer tokens that continuing agents prefilled again (not billed to clients)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(dispatch.resumeRefillTokens.value);
      },
    });
    new Counter({
      name: 'gateway_dds_samples_total',
      help: 'DDS samples by direction (out: requests; in: responses, registrations, status)',
      labelNames: ['direction', 'topic'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of dds?.samples() ?? []) {
          this.inc({ direction: s.direction, topic: s.topic }, s.count);
        }
      },
    });
    new Gauge({
      name: 'gateway_queue_depth',
      help: 'Requests waiting for an agent, by priority level (0 = highest)',
      labelNames: ['priority'] as const,
      registers: [this.registry],
      collect() {
        scheduler
          .metrics()
          .queueDepth.forEach((depth, level) => this.set({ priority: String(level) }, depth));
      },
    });
    new Gauge({
      name: 'gateway_agents',
      help: 'Agents by health and transport',
      labelNames: ['health', 'transport'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const a of agents.list()) this.inc({ health: a.health, transport: a.transport });
      },
    });
    new Gauge({
      name: 'gateway_in_flight',
      help: 'Requests running on agents',
      registers: [this.registry],
      collect() {
        this.set(scheduler.totalInFlight);
      },
    });
    this.registrySubscription = agents.events$.subscribe((ev) => {
      if (ev.type === 'removed') this.forgetAgent(ev.agent.id);
    });
    this.subscription = scheduler.events$.subscribe((ev) => {
      switch (ev.type) {
        case 'dispatched':
          if (ev.attempt === 1) this.queueTime.observe(ev.queuedMs / 1000);
          break;
        case 'retry':
          this.retries.inc();
          break;
        case 'cancelled':
          this.cancellations.inc();
          break;
      }
    });
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
    this.registrySubscription.unsubscribe();
  }

  /** `model` while a registered agent serves it (and the series cap allows), else `unknown`. */
  private modelLabel(model: string): string {
    if (this.agents.byModel(model).length === 0) return UNKNOWN_MODEL;
    if (this.modelSeries.has(model)) return model;
    if (this.modelSeries.size >= MAX_MODEL_SERIES) return UNKNOWN_MODEL;
    this.modelSeries.add(model);
    return model;
  }

  /** `agent` if it is registered, else empty (no agent). */
  private agentLabel(agent: string): string {
    return agent && this.agents.get(agent) ? agent : '';
  }

  private trackAgentSeries(labels: RequestLabels): void {
    let series = this.agentSeries.get(labels.agent);
    if (!series) this.agentSeries.set(labels.agent, (series = new Map()));
    const key = `${labels.endpoint}\u0000${labels.model}\u0000${labels.status}`;
    if (!series.has(key)) series.set(key, labels);
  }

  private forgetAgent(agentId: string): void {
    const series = this.agentSeries.get(agentId);
    if (!series) return;
    this.agentSeries.delete(agentId);
    for (const labels of series.values()) this.requestsTotal.remove(labels);
  }
}
