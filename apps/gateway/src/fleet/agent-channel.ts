import type { ProtocolRequest, ResponseEvent } from '@dds/protocol';

/** Where and how to reach one agent (a subset of the registry's view). */
export interface AgentTarget {
  readonly id: string;
  readonly transport: 'dds' | 'http';
  readonly httpEndpoint?: string;
}

/**
 * One way of talking to agents. Both DDS and HTTP channels speak in the protocol's
 * {@link ResponseEvent}s, so everything above them (REST, SSE, WebSocket) is transport-blind.
 * Failures arrive as a terminal `error` event; aborting `signal` cancels at the agent.
 */
export interface AgentChannel {
  request(
    target: AgentTarget,
    req: ProtocolRequest,
    signal: AbortSignal,
  ): AsyncIterable<ResponseEvent>;
  /** Called once per event received from an agent (for transport metrics). */
  received?(): void;
}
