import { ToolCallMerger } from '@dds/openai-schema';
import type { ContinueFrom, Usage } from '@dds/protocol';
import type { OutputEvent } from './gateway-job';
import { ResponseCollector } from './response-assembler';

/**
 * Error codes of a failed attempt after which the answer may continue on another agent: the agent
 * (or the way to it) was lost, not the request. An agent's own error flagged `retryable` resumes
 * too (another agent may do better); `stalled` is the gateway's inter-token deadline.
 */
const LOST_CODES = new Set([
  'agent_gone',
  'transport_error',
  'sequence_gap',
  'malformed_response',
  'agent_not_found',
  'stalled',
]);

/** Whether an agent's terminal error (code + its `retryable` flag) lets the answer resume elsewhere. */
export function resumableError(code: string, agentRetryable: boolean): boolean {
  return LOST_CODES.has(code) || (agentRetryable && code !== 'deadline_exceeded');
}

/** Why a generation moved to another agent, as counted in `gateway_stream_resumes_total`. */
export type ResumeReason = 'lost' | 'stalled';

/** Why a generation could not move on, as counted in `gateway_stream_resume_failures_total`. */
export type ResumeFailure = 'no_agent' | 'budget';

/**
 * What one request's answer has delivered so far, across the agents that produced it: the
 * continuation a next agent starts from, and the completion tokens carried into the final usage.
 * A delta that carries text or tool-call arguments counts as one completion token (one delta per
 * token for the sim engine and llama.cpp).
 */
export class StreamProgress {
  private text = '';
  private readonly calls = new ToolCallMerger();
  private tokens = 0;
  private events = 0;
  /** Completion tokens delivered by the agents before the current one. */
  private carried = 0;
  /** Times the answer moved to another agent. */
  resumes = 0;
  /** The answer as conversation history (`x-session-id`), whichever agents produced it. */
  readonly reply = new ResponseCollector();

  /** Whether any output left for the client (or its collector). */
  get delivered(): boolean {
    return this.events > 0;
  }

  add(ev: OutputEvent): void {
    this.events++;
    if (ev.type === 'text') {
      this.text += ev.text;
      if (ev.text) this.tokens++;
    } else if (ev.type === 'tool-call') {
      this.calls.add(ev.delta);
      if (ev.delta.function?.arguments) this.tokens++;
    }
  }

  /** The partial answer for the next agent. */
  continuation(): ContinueFrom {
    const calls = this.calls.deltas();
    return {
      text: this.text,
      completion_tokens: this.tokens,
      ...(calls.length ? { tool_calls: calls } : {}),
    };
  }

  /** The answer moves to another agent. */
  resumed(): void {
    this.resumes++;
    this.carried = this.tokens;
  }

  /** Tokens the next agent prefills again (prompt aside): what a resume costs in prefill. */
  get refillTokens(): number {
    return this.tokens;
  }

  /**
   * The client's usage: the last agent's prompt (the client's prompt, not billed again for the
   * re-read partial answer) and every agent's completion tokens.
   */
  usage(last: Usage): Usage {
    const completion = this.carried + last.completion_tokens;
    return {
      ...last,
      completion_tokens: completion,
      total_tokens: last.prompt_tokens + completion,
    };
  }
}

/** The reason an attempt's signal carries when the serving agent missed the inter-token deadline. */
export class StalledError extends Error {
  override readonly name = 'StalledError';
}
