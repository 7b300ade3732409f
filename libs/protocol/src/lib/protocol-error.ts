/**
 * Machine-readable reasons a request or a sample is refused by the protocol layer. They travel in
 * `error` responses (`code`) so that a gateway can map them to an HTTP status.
 */
export type ProtocolErrorCode =
  | 'malformed_json'
  | 'invalid_field'
  | 'field_too_long'
  /** A request body nests deeper than the protocol allows (the client's fault). */
  | 'body_too_deep'
  /** A request body cannot be serialised as JSON (the caller's fault). */
  | 'invalid_body'
  /** An agent's response sample is malformed: bad JSON, wrong fields, unknown kind (the agent's fault). */
  | 'malformed_response'
  | 'unsupported_protocol_version'
  | 'unknown_kind'
  | 'model_not_found'
  | 'agent_not_found'
  | 'agent_incompatible'
  | 'agent_gone'
  | 'deadline_exceeded'
  | 'cancelled'
  | 'overloaded'
  | 'draining'
  | 'engine_error'
  | 'sequence_gap'
  | 'closed';

/** A typed protocol failure: bad sample contents, version mismatch, unreachable agent. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** Whether the same request may succeed if sent again (possibly to another agent). */
    readonly retryable = false,
  ) {
    super(message);
  }
}
