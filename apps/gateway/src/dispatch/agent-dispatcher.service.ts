import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AgentRegistry, AgentView } from '@dds/registry';
import type { ProtocolRequest, ResponseEvent } from '@dds/protocol';
import type { Assignment, Dispatcher } from '@dds/scheduler';
import { NoCapacityError } from '@dds/scheduler';
import { NoAgentError, type AgentSelector } from '@dds/selector';
import {
  BadGatewayError,
  ModelNotFoundError,
  OpenAIError,
  OpenAIRequestError,
} from '@dds/openai-schema';
import { ContextWindowExceededError, type ContextMessage, type ContextStore } from '@dds/context';
import type { AgentChannel } from '../fleet/agent-channel';
import { CONTEXT_STORE } from '../context/context.constants';
import { ResponseCollector } from './response-assembler';
import { AGENT_REGISTRY } from '../registry/registry.constants';
import { DispatchMetrics } from './dispatch.metrics';
import { AGENT_SELECTOR } from '../selector/selector.constants';
import { DDS_CHANNEL, HTTP_CHANNEL } from './dispatch.constants';
import { classifyEncodeFailure } from './fault-classification';
import { AgentAttemptError, type GatewayJob, type JobOutcome } from './gateway-job';

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
    @Optional() @Inject(DDS_CHANNEL) private readonly dds?: AgentChannel,
    @Optional() @Inject(CONTEXT_STORE) private readonly context?: ContextStore<ContextMessage>,
  ) {}

  /** Merges the session's history into the request and trims it to this agent's window. */
  private prepareSession(context: ContextStore<ContextMessage>, job: GatewayJob, agent: AgentView) {
    const messages = job.body['messages'] as ContextMessage[];
    try {
      const prepared = context.prepare(
        job.sessionId,
        messages,
        agent.maxContextTokens,
        job.reservedTokens ?? 0,
      );
      return {
        messages: prepared.messages,
        conversation: prepared.conversation,
        reply: new ResponseCollector(),
      };
    } catch (err) {
      if (err instanceof ContextWindowExceededError) {
        // Another agent may have a larger window.
        throw new AgentAttemptError('context_length_exceeded', err.message, true);
      }
      throw new OpenAIRequestError(err instanceof Error ? err.message : String(err), 'messages');
    }
  }

  tryAssign(job: GatewayJob, exclude: ReadonlySet<string>): Assignment | undefined {
    let candidates: readonly AgentView[] = this.registry.byModel(job.model);
    if (exclude.size) candidates = candidates.filter((a) => !exclude.has(a.id));
    try {
      // Only sampled requests pay for an explanation (it allocates per candidate).
      const selection = job.trace?.sampled ? { ...job.selection, explain: true } : job.selection;
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

  async run(
    job: GatewayJob,
    agentId: string,
    _attempt: number,
    signal: AbortSignal,
    outputStarted: () => void,
  ): Promise<JobOutcome> {
    const agent = this.registry.get(agentId);
    if (!agent) throw new AgentAttemptError('agent_gone', `agent ${agentId} left the fleet`, true);
    const channel = agent.transport === 'http' ? this.http : this.dds;
    if (!channel) throw new AgentAttemptError('agent_gone', 'DDS is disabled', true);
    const session =
      job.sessionId && this.context ? this.prepareSession(this.context, job, agent) : undefined;
    this.registry.acquire(agentId);
    const startedAt = performance.now();
    let started = false;
    try {
      const req: ProtocolRequest = {
        kind: job.kind,
        body: session ? { ...job.body, messages: session.messages } : job.body,
        stream: job.stream,
        deadlineMs: Math.max(1, job.deadlineAt - Date.now()),
        priority: job.agentPriority,
      };
      let events: AsyncIterable<ResponseEvent>;
      try {
        events = channel.request(agent, req, signal);
      } catch (err) {
        // Encoding failed: the request is at fault, never the agent.
        throw classifyEncodeFailure(err, req.body);
      }
      let via = channel;
      for (let hop = 0; hop < 2; hop++) {
        job.collector.reset();
        session?.reply.reset();
        let fallback = false;
        for await (const ev of events) {
          via.received?.();
          switch (ev.type) {
            case 'text':
            case 'tool-call':
            case 'embedding':
              session?.reply.add(ev);
              if (job.onOutput) {
                if (!started) {
                  started = true;
                  outputStarted();
                }
                job.onOutput(ev, agentId);
              } else {
                job.collector.add(ev);
              }
              break;
            case 'final':
              this.registry.observeLatency(agentId, performance.now() - startedAt);
              if (session && job.sessionId) {
                this.context?.commit(job.sessionId, session.conversation, session.reply.message());
              }
              return { final: ev, agentId };
            case 'error':
              if (!started && hop === 0 && canFallBack(agent, ev.code)) {
                fallback = true;
                break;
              }
              throw new AgentAttemptError(ev.code, ev.message, ev.retryable && !started);
          }
          if (fallback) break;
        }
        if (!fallback) break;
        // DDS could not reach the agent, but it also announced an OpenAI-compatible HTTP
        // endpoint: HTTP is the fallback transport.
        this.metrics.httpFallbacks.inc();
        via = this.http;
        events = this.http.request(
          { id: agent.id, transport: 'http', httpEndpoint: agent.httpEndpoint },
          { ...req, deadlineMs: Math.max(1, job.deadlineAt - Date.now()) },
          signal,
        );
      }
      throw new AgentAttemptError('protocol', `agent ${agentId} ended without an answer`, !started);
    } finally {
      this.registry.release(agentId);
    }
  }
}

/** DDS failures after which an agent's announced HTTP endpoint is tried instead. */
const FALLBACK_CODES = new Set(['agent_not_found']);

function canFallBack(agent: AgentView, code: string): boolean {
  return agent.transport === 'dds' && !!agent.httpEndpoint && FALLBACK_CODES.has(code);
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
