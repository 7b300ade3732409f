/**
 * The protocol's data model as the TypeScript side sees it (camelCase, validated). The wire
 * shapes are the IDL structs in `idl/agent.idl`; `codec.ts` converts between the two.
 */

import type { AgentDescription, AgentLoad } from '@dds/common';

export { AGENT_STATES, SPECIALIZATIONS } from '@dds/common';
export type { AgentState, Specialization } from '@dds/common';

/** The protocol version this library speaks. Bumped on any incompatible wire change. */
export const PROTOCOL_VERSION = 1;

/** The OpenAI endpoint a request is for: chat completions or embeddings. */
export type RequestKind = 'chat' | 'embedding';

/** What an agent announces on `agent/register`: its description plus the wire's own facts. */
export interface AgentInfo extends AgentDescription {
  readonly protocolVersion: number;
  /** The liveliness lease (ms) the agent's writers offer. */
  readonly leaseMs: number;
}

/** What an agent reports on `agent/status`. */
export interface AgentStatusInfo extends AgentLoad {
  readonly agentId: string;
  /** The agent's heartbeat period (ms): a status older than ~3 heartbeats is stale. */
  readonly heartbeatMs: number;
}

/**
 * The capability an agent announces when it can continue a partial assistant message
 * ({@link ContinueFrom}). Gateways send continuations only to agents announcing it.
 */
export const CONTINUE_CAPABILITY = 'continue';

/**
 * A continuation: the assistant output a previous agent already streamed to the client before it
 * was lost. The receiving agent continues that same message (it does not start a new one) and
 * reports in its `final` only the completion tokens it generated itself.
 */
export interface ContinueFrom {
  /** The assistant text already delivered (may be empty when only tool calls were). */
  readonly text: string;
  /** Tool-call fragments already delivered, merged per `index`. */
  readonly tool_calls?: readonly ToolCallDelta[];
  /** Completion tokens (output deltas) already produced. */
  readonly completion_tokens: number;
}

/** A request as a gateway hands it to {@link FleetClient.request}. */
export interface ProtocolRequest {
  readonly kind: RequestKind;
  /** The OpenAI request body (`ChatCompletionCreateParams` or `EmbeddingCreateParams`). */
  readonly body: Record<string, unknown>;
  readonly stream: boolean;
  /** Relative deadline (ms from now). The agent stops work when it passes. */
  readonly deadlineMs?: number;
  /** Higher runs first in the agent's local queue. Default 0. */
  readonly priority?: number;
  /** Continue this partial assistant message (only to agents announcing {@link CONTINUE_CAPABILITY}). */
  readonly continueFrom?: ContinueFrom;
}

/** A request as an agent receives it. */
export interface IncomingRequest {
  readonly requestId: string;
  readonly agentId: string;
  /** The gateway that asked (responses go to its partition). */
  readonly replyTo: string;
  readonly kind: RequestKind;
  readonly model: string;
  readonly stream: boolean;
  readonly priority: number;
  /**
   * The deadline on this host's clock (`Date.now()` scale): receipt time plus the time left
   * that the gateway sent; undefined when none.
   */
  readonly deadlineUnixMs?: number;
  readonly body: Record<string, unknown>;
  /** Present when the gateway resumes a message another agent started. */
  readonly continueFrom?: ContinueFrom;
}

/** OpenAI usage block. */
export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  /** `cached_tokens`: prompt tokens served from the prefix (KV) cache. */
  readonly prompt_tokens_details?: { readonly cached_tokens?: number };
}

/** A streamed tool-call fragment, as in OpenAI's `choices[].delta.tool_calls[]`. */
export interface ToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly type?: 'function';
  readonly function?: { readonly name?: string; readonly arguments?: string };
}

/**
 * What a {@link FleetClient.request} yields, in order: any number of `text` / `tool-call` /
 * `embedding` events, then exactly one terminal `final` or `error`.
 */
export type ResponseEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool-call'; readonly delta: ToolCallDelta }
  | { readonly type: 'embedding'; readonly embeddings: readonly (readonly number[])[] }
  | {
      readonly type: 'final';
      readonly finishReason: string;
      readonly usage: Usage;
      readonly agentId: string;
    }
  | {
      readonly type: 'error';
      readonly code: string;
      readonly message: string;
      /** The request may be retried (on another agent) without the client seeing duplicates. */
      readonly retryable: boolean;
      /** Some output (text/tool-call/embedding) was already yielded for this request. */
      readonly outputStarted: boolean;
    };

/** The terminal `error` event of a request. */
export type ResponseErrorEvent = Extract<ResponseEvent, { type: 'error' }>;

/** Builds a {@link ResponseErrorEvent}; every channel (DDS or HTTP) reports failures with it. */
export function errorEvent(
  code: string,
  message: string,
  retryable: boolean,
  outputStarted: boolean,
): ResponseErrorEvent {
  return { type: 'error', code, message, retryable, outputStarted };
}

/** Fleet membership and load changes, as a {@link FleetClient} observes them. */
export type FleetEvent =
  | { readonly type: 'registered'; readonly agent: AgentInfo }
  | { readonly type: 'updated'; readonly agent: AgentInfo }
  | { readonly type: 'status'; readonly status: AgentStatusInfo }
  | {
      readonly type: 'gone';
      readonly agentId: string;
      readonly reason: 'lease-expired' | 'disposed';
    }
  | {
      /**
       * This client's request writer matched (`true`) or lost (`false`) the agent's request
       * reader: whether a request sent now can reach it. Follows `registered` (the first match).
       */
      readonly type: 'reachable';
      readonly agentId: string;
      readonly reachable: boolean;
    }
  | {
      /** An agent speaking another protocol version: never routed to. */
      readonly type: 'incompatible';
      readonly agentId: string;
      readonly protocolVersion: number;
      readonly message: string;
    }
  | {
      /**
       * A sample from another participant was refused: malformed or over a bound. Peers choose
       * these, so a consumer that logs them should rate-limit.
       */
      readonly type: 'rejected';
      readonly topic: 'agent/register' | 'agent/status';
      /** The sample's agent id as sent (at most 128 characters); empty if it had none. */
      readonly agentId: string;
      readonly reason: string;
    };

/** One agent as a consumer of {@link FleetEvent}s may record it (announcement and last load). */
export interface AgentSnapshot {
  readonly info: AgentInfo;
  readonly status?: AgentStatusInfo;
}
