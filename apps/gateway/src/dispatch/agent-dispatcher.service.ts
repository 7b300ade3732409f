import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AgentRegistry, AgentView } from '@dds/registry';
import { CONTINUE_CAPABILITY, type ProtocolRequest, type ResponseEvent } from '@dds/protocol';
import type { Assignment, Dispatcher } from '@dds/scheduler';
import { NoCapacityError } from '@dds/scheduler';
import { NoAgentError, type AgentSelector } from '@dds/selector';
import {
  BadGatewayError,
  ModelNotFoundError,
  OpenAIError,
  OpenAIRequestError,
} from '@dds/openai-schema';
import type { ContextMessage, ContextStore } from '@dds/context';
import type { AgentChannel } from '../fleet/agent-channel';
import {
  AGENT_REGISTRY,
  AGENT_SELECTOR,
  CONTEXT_STORE,
  DDS_CHANNEL,
  GATEWAY_CONFIG,
  HTTP_CHANNEL,
} from '../app/core.tokens';
import { DispatchMetrics } from './dispatch.metrics';
import { classifyEncodeFailure } from './fault-classification';
import { AgentAttemptError, type GatewayJob, type JobOutcome } from './gateway-job';
import { resumableError, StreamProgress } from './stream-resume';
import { AttemptSignal } from './attempt-signal';
import { HttpFallbackChannel } from './http-fallback.channel';
import { SessionTurn } from './session-turn';
import type { GatewayConfig } from '../config/config.schema';

/**
 * The scheduler's host side: picks agents with the selector over the registry's view, and runs a
 * job on an agent over DDS or HTTP, turning the agent's events into the client's output.
 */
@Injectable()
export class AgentDispatcher implements Dispatcher<GatewayJob, JobOutcome> {
  constructor(
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Inject(AGENT_SELECTOR) private readonly selector: AgentSelector,
    @Inject(HTTP_CHANNEL) private readonly http: AgentChannel,
    private readonly metrics: DispatchMetrics,
    @Optional() @Inject(DDS_CHANNEL) dds?: AgentChannel,
    @Optional() @Inject(CONTEXT_STORE) private readonly context?: ContextStore<ContextMessage>,
    @Optional() @Inject(GATEWAY_CONFIG) config?: GatewayConfig,
  ) {
    // DDS with HTTP as the fallback transport of agents that announce an HTTP endpoint.
    this.dds = dds && new HttpFallbackChannel(dds, http, () => metrics.httpFallbacks.inc());
    this.maxResumes = config?.scheduler.max_resumes ?? 0;
    this.interTokenTimeoutMs = (config?.scheduler.inter_token_timeout ?? 30) * 1000;
  }

  private readonly dds: AgentChannel | undefined;
  /** `scheduler.max_resumes` (0 without a config: unit tests of the plain path). */
  private readonly maxResumes: number;
  private readonly interTokenTimeoutMs: number;
  /** The answer so far of each running resumable job. */
  private readonly progressOf = new WeakMap<GatewayJob, StreamProgress>();

  tryAssign(job: GatewayJob, exclude: ReadonlySet<string>): Assignment | undefined {
    // The registry's array as it is, `exclude` going to the selector: a filtered copy would be a
    // new array per attempt and defeat the identity-keyed caches whenever a breaker is open.
    const candidates = this.registry.byModel(job.model);
    try {
      // Only sampled requests pay for an explanation (it allocates per candidate).
      const explain = job.trace?.sampled === true;
      const selection =
        exclude.size || explain
          ? {
              ...job.selection,
              ...(exclude.size ? { exclude } : {}),
              ...(explain ? { explain } : {}),
            }
          : job.selection;
      const chosen = this.selector.select(selection, candidates);
      job.trace?.assigned(chosen.agent.id, chosen.strategy, chosen.explanation);
      return { agentId: chosen.agent.id };
    } catch (err) {
      if (!(err instanceof NoAgentError)) throw err;
      switch (err.reason) {
        case 'all-busy':
          return undefined;
        case 'unknown-model':
          if (exclude.size && this.registry.byModel(job.model).length) {
            // Every agent for the model was tried (or is shut out by its breaker): the failure
            // is the agents', not the client's.
            throw new BadGatewayError(
              `The agent failed and no other agent for '${job.model}' could take the request.`,
            );
          }
          if (this.registry.size === 0) {
            throw new NoCapacityError(`No healthy agent is available for model '${job.model}'.`);
          }
          throw new ModelNotFoundError(job.model);
        case 'unsupported':
          throw new OpenAIRequestError(
            `No agent serving '${job.model}' supports what this request needs (${describeNeeds(job)}).`,
            job.selection.specialization === 'vision' ? 'messages' : 'tools',
            'unsupported_request',
          );
        case 'unhealthy':
          throw new NoCapacityError(`No healthy agent is available for model '${job.model}'.`);
      }
    }
  }

  /**
   * Runs `job` on `agentId`. A chat answer whose agent is lost or stalls after output started
   * continues on another agent that announces `continue` (at most `scheduler.max_resumes`
   * times): the client sees one answer.
   */
  async run(
    job: GatewayJob,
    agentId: string,
    _attempt: number,
    signal: AbortSignal,
    outputStarted: () => void,
  ): Promise<JobOutcome> {
    if (this.maxResumes === 0 || job.kind !== 'chat') {
      return this.runOn(job, agentId, signal, outputStarted, new StreamProgress());
    }
    const progress = new StreamProgress();
    this.progressOf.set(job, progress);
    const left = new Set<string>();
    let current = agentId;
    for (;;) {
      try {
        const outcome = await this.runOn(job, current, signal, outputStarted, progress);
        if (progress.resumes === 0) return outcome;
        return {
          agentId: outcome.agentId,
          final: { ...outcome.final, usage: progress.usage(outcome.final.usage) },
          resumes: progress.resumes,
        };
      } catch (err) {
        if (
          !(err instanceof AgentAttemptError) ||
          !err.resumable ||
          !progress.delivered ||
          signal.aborted
        ) {
          throw err;
        }
        left.add(current);
        current = this.resumeTarget(job, left, progress, err);
      }
    }
  }

  /**
   * A job whose answer started resumes by itself when its agent is lost (the channel reports
   * the loss to `run`): the scheduler must not abort it.
   */
  recoversFromAgentLoss(job: GatewayJob): boolean {
    return this.progressOf.get(job)?.delivered === true;
  }

  /** The agent that continues the answer after `err`, or the error the client gets. */
  private resumeTarget(
    job: GatewayJob,
    left: ReadonlySet<string>,
    progress: StreamProgress,
    err: AgentAttemptError,
  ): string {
    if (progress.resumes >= this.maxResumes) {
      this.metrics.resumeFailures.inc('budget');
      throw new AgentAttemptError(
        'resume_budget_exhausted',
        `${err.message}; the answer already moved to another agent ${progress.resumes} time(s), the limit (scheduler.max_resumes)`,
        false,
      );
    }
    const next = this.assignForResume(job, left);
    if (!next) {
      this.metrics.resumeFailures.inc('no_agent');
      throw new AgentAttemptError(
        err.code,
        `${err.message}; no other agent for '${job.model}' can continue the answer`,
        false,
      );
    }
    progress.resumed();
    this.metrics.resumes.inc(err.code === 'stalled' ? 'stalled' : 'lost');
    this.metrics.resumeRefillTokens.inc(progress.refillTokens);
    job.trace?.resumed(next);
    return next;
  }

  /**
   * A DDS agent of the model, not yet left by this answer, that announces `continue`: the
   * selector's pick, or when every such agent is busy the least loaded one (the answer is
   * already under way: its agent queues it rather than the client losing it).
   */
  private assignForResume(job: GatewayJob, left: ReadonlySet<string>): string | undefined {
    const candidates = this.registry
      .byModel(job.model)
      .filter((a) => a.transport === 'dds' && !left.has(a.id));
    const selection = {
      ...job.selection,
      capabilities: [...(job.selection.capabilities ?? []), CONTINUE_CAPABILITY],
    };
    try {
      return this.selector.select(selection, candidates).agent.id;
    } catch (err) {
      if (!(err instanceof NoAgentError) || err.reason !== 'all-busy') return undefined;
    }
    let best: AgentView | undefined;
    for (const a of candidates) {
      if (a.health !== 'healthy' && a.health !== 'suspect') continue;
      if (!selection.capabilities.every((c) => a.capabilities.includes(c))) continue;
      if (job.selection.specialization && a.specialization !== job.selection.specialization) {
        continue;
      }
      if (!best || a.load < best.load) best = a;
    }
    return best?.id;
  }

  /** Whether a DDS agent of `model` other than `agentId` announces `continue` and is up. */
  private canContinueElsewhere(model: string, agentId: string): boolean {
    return this.registry
      .byModel(model)
      .some(
        (a) =>
          a.id !== agentId &&
          a.transport === 'dds' &&
          (a.health === 'healthy' || a.health === 'suspect') &&
          a.capabilities.includes(CONTINUE_CAPABILITY),
      );
  }

  /** One agent's part of the answer (all of it unless the agent is lost mid-generation). */
  private async runOn(
    job: GatewayJob,
    agentId: string,
    signal: AbortSignal,
    outputStarted: () => void,
    progress: StreamProgress,
  ): Promise<JobOutcome> {
    const agent = this.registry.get(agentId);
    if (!agent) {
      throw new AgentAttemptError(
        'agent_gone',
        `agent ${agentId} left the fleet`,
        !progress.delivered,
        true,
      );
    }
    const channel = agent.transport === 'http' ? this.http : this.dds;
    if (!channel) throw new AgentAttemptError('agent_gone', 'DDS is disabled', true);
    const session =
      job.sessionId && this.context
        ? SessionTurn.open(
            this.context,
            job.sessionId,
            job.body['messages'] as ContextMessage[],
            agent.maxContextTokens,
            job.reservedTokens ?? 0,
          )
        : undefined;
    const resuming = progress.delivered;
    const { sink } = job;
    /** Whether the client already saw output (then only a resume can save the answer). */
    const seen = () => progress.delivered && sink.live;
    // Resumable answers stream from the agent even when the client waits for one body: the
    // gateway then holds the partial answer a next agent continues from. That costs a DDS sample
    // per token, so only when another agent could take over (else one final sample suffices).
    const agentStreams =
      job.stream ||
      (this.maxResumes > 0 &&
        job.kind === 'chat' &&
        agent.transport === 'dds' &&
        this.canContinueElsewhere(job.model, agent.id));
    // A continuing agent must show progress at once; a fresh one may take its time to first token.
    const attempt = new AttemptSignal(signal, agentId, this.interTokenTimeoutMs, resuming);
    this.registry.acquire(agentId);
    const startedAt = performance.now();
    try {
      const req: ProtocolRequest = {
        kind: job.kind,
        body: session ? { ...job.body, messages: session.messages } : job.body,
        stream: agentStreams,
        deadlineMs: Math.max(1, job.deadlineAt - Date.now()),
        priority: job.agentPriority,
        ...(resuming ? { continueFrom: progress.continuation() } : {}),
      };
      let events: AsyncIterable<ResponseEvent>;
      try {
        events = channel.request(agent, req, attempt.signal);
      } catch (err) {
        // Encoding failed: the request is at fault, never the agent.
        throw classifyEncodeFailure(err, req.body);
      }
      if (!resuming) {
        sink.reset();
        progress.reply.reset();
      }
      for await (const ev of events) {
        switch (ev.type) {
          case 'text':
          case 'tool-call':
          case 'embedding':
            // Only a live sink has shown output: a collected answer can still be retried.
            if (sink.live && !progress.delivered) outputStarted();
            progress.add(ev);
            if (session) progress.reply.add(ev);
            sink.output(ev, agentId);
            attempt.progressed();
            break;
          case 'final':
            this.registry.observeLatency(agentId, performance.now() - startedAt);
            session?.commit(progress.reply.message());
            return { final: ev, agentId };
          case 'error':
            throw new AgentAttemptError(
              ev.code,
              ev.message,
              ev.retryable && !seen(),
              resumableError(ev.code, ev.retryable),
            );
        }
      }
      throw new AgentAttemptError(
        'protocol',
        `agent ${agentId} ended without an answer`,
        !seen(),
        true,
      );
    } catch (err) {
      const stalled = attempt.stalled();
      if (stalled) throw new AgentAttemptError('stalled', stalled.message, false, true);
      throw err;
    } finally {
      attempt.dispose();
      this.registry.release(agentId);
    }
  }
}

function describeNeeds(job: GatewayJob): string {
  const needs: string[] = [];
  if (job.selection.specialization) needs.push(job.selection.specialization);
  needs.push(...(job.selection.capabilities ?? []));
  return needs.join(', ') || 'nothing special';
}

/** Whether the scheduler may try another agent after `err`. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AgentAttemptError) return err.retryable;
  // The request itself is at fault (e.g. a malformed session id): no agent would do better.
  if (err instanceof OpenAIError) return false;
  return true;
}
