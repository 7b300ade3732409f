import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  OpenAIRequestError,
  promptText,
  requiresTools,
  requiresVision,
  validateChatCompletionRequest,
  validateEmbeddingRequest,
  type ChatCompletionRequest,
  type EmbeddingRequest,
  type ValidationOptions,
} from '@dds/openai-schema';
import { CancelledError, type JobResult, type Scheduler } from '@dds/scheduler';
import type { SelectionRequest, StrategyName } from '@dds/selector';
import { MAX_SESSION_ID_LENGTH } from '@dds/context';
import type { Logger } from 'pino';
import { GATEWAY_CONFIG, GATEWAY_LOGGER, REQUEST_SCHEDULER } from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';
import { RequestFeed, type RequestTrace } from '../dashboard/request-feed.service';
import { MetricsService } from '../metrics/metrics.service';
import { type GatewayJob, type JobOutcome, type OutputEvent, type OutputSink } from './gateway-job';
import { toClientError } from './client-errors';
import { ResponseCollector } from './response-assembler';

/** Per-request routing hints, from headers (REST) or frame fields (WebSocket). */
export interface RequestHints {
  /** `x-priority`: high | normal | low. */
  priority?: string;
  /** `x-request-timeout`, seconds. */
  timeout?: string;
  /** `x-session-id`. */
  sessionId?: string;
  /** `x-selector-strategy`. */
  strategy?: string;
  /** `x-request-id` (REST) or the frame's `id` (WebSocket): names the request on the dashboard. */
  requestId?: string;
}

/** What a completed request hands back to the surface that renders it. */
export interface Completion extends JobOutcome {
  readonly collector: ResponseCollector;
  readonly attempts: number;
  readonly queuedMs: number;
}

/** How {@link CompletionService.execute} runs a request and labels its metrics. */
export interface ExecuteOptions {
  /** The API, as `gateway_requests_total` and `gateway_request_duration_seconds` label it. */
  readonly endpoint: string;
  /** When the request arrived (`performance.now()`): duration and time to first output count from it. */
  readonly startedAt?: number;
  /**
   * Live output: each event goes to the client as it arrives (a failure after the first is
   * final). Without it, the answer is collected into the returned {@link Completion}.
   */
  readonly onOutput?: (ev: OutputEvent, agentId: string) => void;
}

/** A request ready to run: validated body and derived routing. */
export interface PreparedRequest {
  readonly kind: 'chat' | 'embedding';
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly body: Record<string, unknown>;
  readonly selection: SelectionRequest;
  readonly priority: number;
  readonly agentPriority: number;
  readonly deadlineMs: number;
  readonly sessionId?: string;
  readonly reservedTokens?: number;
  readonly requestId?: string;
}

const STRATEGY_ALIASES: Record<string, StrategyName> = {
  'round-robin': 'round-robin',
  'least-loaded': 'least-loaded',
  latency: 'latency',
  'latency-aware': 'latency',
  session: 'session',
  'session-affinity': 'session',
  prefix: 'prefix',
  'prefix-affinity': 'prefix',
};

/** Maps a configured strategy name (with the long aliases) onto the selector's. */
export function strategyName(name: string): StrategyName | undefined {
  return STRATEGY_ALIASES[name];
}

/**
 * The request path shared by REST, SSE and WebSocket: validate → routing hints → scheduler
 * (priority, deadline, admission) → dispatcher (selector, DDS/HTTP). Errors leave as
 * `OpenAIError`s.
 */
@Injectable()
export class CompletionService {
  private readonly levels: number;
  private readonly defaultDeadlineMs: number;
  /** The configured strategy (validated at load, so always a selector name). */
  private readonly defaultStrategy: StrategyName | undefined;
  private readonly debug: Logger | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REQUEST_SCHEDULER) private readonly scheduler: Scheduler<GatewayJob, JobOutcome>,
    @Optional() @Inject(GATEWAY_LOGGER) logger?: Logger,
    @Optional() private readonly feed?: RequestFeed,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    // Per-request records only at debug: at info they would cost more than the request.
    this.debug = logger?.isLevelEnabled('debug')
      ? logger.child({ component: 'requests' })
      : undefined;
    this.validation = { maxJsonDepth: config.limits.max_json_depth };
    this.levels = config.scheduler.priority_levels;
    this.defaultDeadlineMs = config.server.request_timeout * 1000;
    this.defaultStrategy = strategyName(config.selector.strategy);
  }

  /** The gateway's limits as every API's validator takes them (`limits.max_json_depth`). */
  readonly validation: ValidationOptions;

  /** Validates a chat body and derives its routing. Throws a 400 `OpenAIError`. */
  prepareChat(body: unknown, hints: RequestHints): PreparedRequest {
    const limits = this.config.limits;
    const req: ChatCompletionRequest = validateChatCompletionRequest(body, this.validation);
    if (req.messages.length > limits.max_messages) {
      throw new OpenAIRequestError(
        `Too many messages: ${req.messages.length} (limit ${limits.max_messages}).`,
        'messages',
        'array_above_max_length',
      );
    }
    for (const key of ['max_tokens', 'max_completion_tokens'] as const) {
      const v = req[key];
      if (typeof v === 'number' && v > limits.max_tokens) {
        throw new OpenAIRequestError(
          `${key} is too large: ${v}. This gateway allows at most ${limits.max_tokens}.`,
          key,
          'integer_above_max_value',
        );
      }
    }
    if (hints.sessionId && hints.sessionId.length > MAX_SESSION_ID_LENGTH) {
      throw new OpenAIRequestError(
        `Invalid x-session-id: expected at most ${MAX_SESSION_ID_LENGTH} characters, got ${hints.sessionId.length}.`,
        'x-session-id',
        'invalid_value',
      );
    }
    const stream = req.stream === true;
    const vision = requiresVision(req);
    const capabilities: string[] = [];
    if (requiresTools(req)) capabilities.push('functions');
    const strategy = this.strategy(hints.strategy);
    const selection: SelectionRequest = {
      model: req.model,
      ...(vision ? { specialization: 'vision' as const } : {}),
      ...(capabilities.length ? { capabilities } : {}),
      ...(hints.sessionId ? { sessionId: hints.sessionId } : {}),
      ...(strategy ? { strategy } : {}),
      ...(strategy === 'prefix' ? { promptText: promptText(req) } : {}),
    };
    return {
      kind: 'chat',
      model: req.model,
      stream,
      includeUsage: stream && req.stream_options?.include_usage === true,
      body: req as unknown as Record<string, unknown>,
      selection,
      ...(hints.sessionId ? { sessionId: hints.sessionId } : {}),
      ...(hints.requestId ? { requestId: hints.requestId } : {}),
      reservedTokens: req.max_completion_tokens ?? req.max_tokens ?? 0,
      ...this.priority(hints.priority),
      deadlineMs: this.deadline(hints.timeout),
    };
  }

  /** Validates an embeddings body and derives its routing. Throws a 400 `OpenAIError`. */
  prepareEmbedding(body: unknown, hints: RequestHints): PreparedRequest {
    const req: EmbeddingRequest = validateEmbeddingRequest(body, {
      maxJsonDepth: this.config.limits.max_json_depth,
    });
    const strategy = this.strategy(hints.strategy);
    return {
      kind: 'embedding',
      model: req.model,
      stream: false,
      includeUsage: false,
      body: req as unknown as Record<string, unknown>,
      selection: {
        model: req.model,
        specialization: 'embedding',
        ...(strategy ? { strategy } : {}),
      },
      ...(hints.requestId ? { requestId: hints.requestId } : {}),
      ...this.priority(hints.priority),
      deadlineMs: this.deadline(hints.timeout),
    };
  }

  /**
   * Runs a prepared request, its output streamed live through `options.onOutput` or collected
   * into the returned {@link Completion}. The request's metrics are recorded here, once, for
   * every API: outcome, duration, and for live output time to first output and inter-output gaps.
   * Rejects with an `OpenAIError`, or with {@link CancelledError} when `signal` aborted it.
   */
  async execute(
    prepared: PreparedRequest,
    signal: AbortSignal,
    options: ExecuteOptions,
  ): Promise<Completion> {
    const startedAt = options.startedAt ?? performance.now();
    const { endpoint } = options;
    const model = prepared.model;
    const collector = new ResponseCollector();
    const trace = this.feed?.begin(prepared.kind, model, prepared.requestId);
    const sink: OutputSink = options.onOutput
      ? new LiveSink(options.onOutput, model, startedAt, this.metrics, trace)
      : collector;
    const job: GatewayJob = {
      kind: prepared.kind,
      model,
      body: prepared.body,
      stream: prepared.stream,
      selection: prepared.selection,
      agentPriority: prepared.agentPriority,
      deadlineAt: Date.now() + prepared.deadlineMs,
      sink,
      trace,
      sessionId: prepared.sessionId,
      reservedTokens: prepared.reservedTokens,
    };
    let result: JobResult<JobOutcome>;
    try {
      result = await this.scheduler.submit(job, {
        priority: prepared.priority,
        deadlineMs: prepared.deadlineMs,
        signal,
      }).promise;
    } catch (err) {
      if (err instanceof CancelledError) {
        this.metrics?.requests.inc({ endpoint, model, agent: '', status: '499' });
        trace?.cancelled();
        this.debug?.debug({ model, stage: err.stage }, 'request cancelled');
        throw err;
      }
      const error = toClientError(err, prepared.deadlineMs);
      this.metrics?.requests.inc({ endpoint, model, agent: '', status: String(error.status) });
      trace?.failed(error.status, error.message);
      this.debug?.debug(
        { model, status: error.status, code: error.code, cause: String(err) },
        'request failed',
      );
      throw error;
    }
    const agent = result.value.agentId;
    this.metrics?.requests.inc({ endpoint, model, agent, status: '200' });
    this.metrics?.e2e.observe({ endpoint, model }, (performance.now() - startedAt) / 1000);
    trace?.completed(
      agent,
      result.attempts,
      result.queuedMs,
      result.value.final.usage?.completion_tokens ?? null,
    );
    this.debug?.debug(
      {
        model,
        agent,
        attempts: result.attempts,
        queued_ms: Math.round(result.queuedMs * 100) / 100,
        stream: prepared.stream,
      },
      'request completed',
    );
    return {
      ...result.value,
      collector,
      attempts: result.attempts,
      queuedMs: result.queuedMs,
    };
  }

  private priority(header: string | undefined): { priority: number; agentPriority: number } {
    const top = this.levels - 1;
    switch ((header ?? 'normal').toLowerCase()) {
      case 'high':
        return { priority: 0, agentPriority: 2 };
      case 'normal':
        return { priority: Math.floor(top / 2), agentPriority: 1 };
      case 'low':
        return { priority: top, agentPriority: 0 };
      default:
        throw new OpenAIRequestError(
          `Invalid x-priority '${header}': expected high, normal or low.`,
          'x-priority',
          'invalid_value',
        );
    }
  }

  private deadline(header: string | undefined): number {
    if (header === undefined || header === '') return this.defaultDeadlineMs;
    const seconds = Number(header);
    if (!/^\d+(\.\d+)?$/.test(header.trim()) || !(seconds > 0) || seconds > 3600) {
      throw new OpenAIRequestError(
        `Invalid x-request-timeout '${header}': expected seconds in (0, 3600].`,
        'x-request-timeout',
        'invalid_value',
      );
    }
    return Math.max(1, Math.round(seconds * 1000));
  }

  private strategy(header: string | undefined): StrategyName | undefined {
    if (header === undefined || header === '' || !this.config.selector.allow_header_override) {
      return this.defaultStrategy;
    }
    const name = strategyName(header.toLowerCase());
    if (!name) {
      throw new OpenAIRequestError(
        `Invalid x-selector-strategy '${header}': expected one of ${Object.keys(STRATEGY_ALIASES).join(', ')}.`,
        'x-selector-strategy',
        'invalid_value',
      );
    }
    return name;
  }
}

/**
 * The live sink: passes each output event on to the client as it arrives, and records time to
 * first output and the gaps between outputs (embeddings are no tokens).
 */
class LiveSink implements OutputSink {
  readonly live = true;
  private last = 0;

  constructor(
    private readonly onOutput: (ev: OutputEvent, agentId: string) => void,
    private readonly model: string,
    private readonly startedAt: number,
    private readonly metrics: MetricsService | undefined,
    private readonly trace: RequestTrace | undefined,
  ) {}

  output(ev: OutputEvent, agentId: string): void {
    this.trace?.output();
    if (ev.type !== 'embedding' && this.metrics) {
      const now = performance.now();
      if (this.last === 0) {
        this.metrics.ttft.observe({ model: this.model }, (now - this.startedAt) / 1000);
      } else {
        this.metrics.itl.observe({ model: this.model }, (now - this.last) / 1000);
      }
      this.last = now;
    }
    this.onOutput(ev, agentId);
  }

  reset(): void {
    // Live output already reached the client: nothing to drop.
  }
}
