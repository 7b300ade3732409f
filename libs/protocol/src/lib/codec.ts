import type {
  AgentRegistration,
  AgentRequest,
  AgentResponse,
  AgentStatus,
} from '../generated/agent';
import {
  AGENT_STATES,
  PROTOCOL_VERSION,
  SPECIALIZATIONS,
  type AgentInfo,
  type AgentState,
  type AgentStatusInfo,
  type IncomingRequest,
  type ProtocolRequest,
  type RequestKind,
  type Specialization,
  type ToolCallDelta,
  type Usage,
} from './model';
import { ProtocolError } from './protocol-error';
import { isValidId, MAX_ID_LENGTH } from './topics';

/** Longest model name accepted. */
export const MAX_MODEL_LENGTH = 256;
/** Longest JSON request body accepted (characters); images travel inline as data URLs. */
export const MAX_BODY_LENGTH = 16 * 1024 * 1024;
/**
 * Largest `timeout_ms` honoured: the longest a Node timer holds (2^31 - 1 ms, about 24.8 days;
 * beyond it a timer fires at once). Longer deadlines travel, and are read, as none.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;
/** Longest short descriptive string (version, hostname, endpoint, capability) accepted. */
export const MAX_SHORT_LENGTH = 1024;

/** Response sample kinds on `agent/response`. */
export type ResponseSampleKind = 'delta' | 'final' | 'error';

/** JSON carried in `data` of a `final` response sample. */
export interface FinalData {
  readonly finish_reason: string;
  readonly usage: Usage;
  readonly tool_calls?: readonly ToolCallDelta[];
  readonly embeddings?: readonly (readonly number[])[];
}

/** JSON carried in `data` of an `error` response sample. */
export interface ErrorData {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

/** JSON carried in `data` of a `delta` response sample (empty `data` = text only). */
export interface DeltaData {
  readonly tool_calls?: readonly ToolCallDelta[];
}

function checkLength(value: string, max: number, field: string): string {
  if (value.length > max) {
    throw new ProtocolError(
      'field_too_long',
      `${field} is ${value.length} characters long; at most ${max} are allowed`,
    );
  }
  return value;
}

function checkId(value: string, field: string): string {
  checkLength(value, MAX_ID_LENGTH, field);
  if (!isValidId(value)) throw new ProtocolError('invalid_field', `${field} "${value}" is invalid`);
  return value;
}

/**
 * Parses JSON text that must hold an object. Throws `ProtocolError('malformed_json')` otherwise.
 */
export function parseJsonObject(text: string, field: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(
      'malformed_json',
      `${field} is not valid JSON: ${(e as Error).message}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError('malformed_json', `${field} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function checkVersion(version: number, what: string): void {
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'unsupported_protocol_version',
      `${what} speaks protocol version ${version}; this side speaks version ${PROTOCOL_VERSION}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// agent/register

/** Wire form of an agent's registration (`agent/register`). */
export function encodeRegistration(info: AgentInfo): AgentRegistration {
  return {
    agent_id: info.agentId,
    protocol_version: info.protocolVersion,
    models: [...info.models],
    specialization: info.specialization,
    capabilities: [...info.capabilities],
    slots: info.slots,
    max_context_tokens: info.maxContextTokens,
    version: info.version,
    hostname: info.hostname,
    http_endpoint: info.httpEndpoint ?? '',
    lease_ms: info.leaseMs,
  };
}

/**
 * Decodes a registration. The protocol version is not checked here: the caller decides what to
 * do with an incompatible agent (a fleet client reports it, never routes to it).
 */
export function decodeRegistration(w: AgentRegistration): AgentInfo {
  checkId(w.agent_id, 'agent_id');
  if (!SPECIALIZATIONS.includes(w.specialization as Specialization)) {
    throw new ProtocolError('invalid_field', `unknown specialization "${w.specialization}"`);
  }
  for (const m of w.models) checkLength(m, MAX_MODEL_LENGTH, 'model');
  for (const c of w.capabilities) checkLength(c, MAX_SHORT_LENGTH, 'capability');
  return {
    agentId: w.agent_id,
    protocolVersion: w.protocol_version,
    models: w.models,
    specialization: w.specialization as Specialization,
    capabilities: w.capabilities,
    slots: w.slots,
    maxContextTokens: w.max_context_tokens,
    version: checkLength(w.version, MAX_SHORT_LENGTH, 'version'),
    hostname: checkLength(w.hostname, MAX_SHORT_LENGTH, 'hostname'),
    ...(w.http_endpoint
      ? { httpEndpoint: checkLength(w.http_endpoint, MAX_SHORT_LENGTH, 'http_endpoint') }
      : {}),
    leaseMs: w.lease_ms,
  };
}

// ---------------------------------------------------------------------------------------------
// agent/status

/** Wire form of an agent's status (`agent/status`). */
export function encodeStatus(s: AgentStatusInfo): AgentStatus {
  return {
    agent_id: s.agentId,
    state: s.state,
    slots_busy: s.slotsBusy,
    slots_total: s.slotsTotal,
    queue_depth: s.queueDepth,
    ema_latency_ms: s.emaLatencyMs,
    tokens_per_second: s.tokensPerSecond,
    heartbeat_ms: s.heartbeatMs,
  };
}

/** Decodes and validates a status sample; throws `ProtocolError`. */
export function decodeStatus(w: AgentStatus): AgentStatusInfo {
  checkId(w.agent_id, 'agent_id');
  if (!AGENT_STATES.includes(w.state as AgentState)) {
    throw new ProtocolError('invalid_field', `unknown agent state "${w.state}"`);
  }
  return {
    agentId: w.agent_id,
    state: w.state as AgentState,
    slotsBusy: w.slots_busy,
    slotsTotal: w.slots_total,
    queueDepth: w.queue_depth,
    emaLatencyMs: w.ema_latency_ms,
    tokensPerSecond: w.tokens_per_second,
    heartbeatMs: w.heartbeat_ms,
  };
}

// ---------------------------------------------------------------------------------------------
// agent/request

/** Builds the wire request. Validates what a gateway controls (TypeError/RangeError on misuse). */
export function encodeRequest(
  requestId: string,
  agentId: string,
  replyTo: string,
  req: ProtocolRequest,
): AgentRequest {
  if (req.kind !== 'chat' && req.kind !== 'embedding') {
    throw new RangeError(`request kind must be "chat" or "embedding", got "${String(req.kind)}"`);
  }
  if (req.body === null || typeof req.body !== 'object') {
    throw new TypeError('request body must be an object');
  }
  const model = typeof req.body['model'] === 'string' ? req.body['model'] : '';
  const deadline = req.deadlineMs;
  if (deadline !== undefined && !(deadline > 0)) {
    throw new RangeError(`deadlineMs must be > 0, got ${deadline}`);
  }
  const timeout = deadline === undefined || deadline > MAX_TIMEOUT_MS ? 0 : Math.ceil(deadline);
  return {
    request_id: requestId,
    protocol_version: PROTOCOL_VERSION,
    agent_id: agentId,
    reply_to: replyTo,
    kind: req.kind,
    model,
    stream: req.stream,
    priority: req.priority ?? 0,
    timeout_ms: timeout,
    body: JSON.stringify(req.body),
  };
}

/**
 * Decodes and validates a request as an agent receives it. Throws `ProtocolError` with the
 * reason; the caller answers the request with an error response when `request_id` and
 * `reply_to` are usable (see {@link requestReplyAddress}).
 */
export function decodeRequest(w: AgentRequest, now = Date.now()): IncomingRequest {
  checkVersion(w.protocol_version, `request ${w.request_id}`);
  checkId(w.request_id, 'request_id');
  checkId(w.agent_id, 'agent_id');
  checkId(w.reply_to, 'reply_to');
  if (w.kind !== 'chat' && w.kind !== 'embedding') {
    throw new ProtocolError('unknown_kind', `unknown request kind "${w.kind}"`);
  }
  checkLength(w.model, MAX_MODEL_LENGTH, 'model');
  checkLength(w.body, MAX_BODY_LENGTH, 'body');
  const body = parseJsonObject(w.body, 'body');
  return {
    requestId: w.request_id,
    agentId: w.agent_id,
    replyTo: w.reply_to,
    kind: w.kind as RequestKind,
    model: w.model,
    stream: w.stream,
    priority: w.priority,
    ...(w.timeout_ms > 0 && w.timeout_ms <= MAX_TIMEOUT_MS
      ? { deadlineUnixMs: now + w.timeout_ms }
      : {}),
    body,
  };
}

/** Where to answer a request that failed to decode, or undefined when it cannot be answered. */
export function requestReplyAddress(
  w: Pick<AgentRequest, 'request_id' | 'reply_to'>,
): { requestId: string; replyTo: string } | undefined {
  return isValidId(w.request_id) && isValidId(w.reply_to)
    ? { requestId: w.request_id, replyTo: w.reply_to }
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// agent/response

/** A `delta` response sample: content text and/or tool-call fragments. */
export function deltaSample(
  requestId: string,
  seq: number,
  agentId: string,
  text: string,
  toolCalls?: readonly ToolCallDelta[],
): AgentResponse {
  return {
    request_id: requestId,
    seq,
    agent_id: agentId,
    kind: 'delta',
    text,
    data: toolCalls && toolCalls.length > 0 ? JSON.stringify({ tool_calls: toolCalls }) : '',
  };
}

/** The terminal `final` response sample (finish reason, usage, optional whole text/calls/embeddings). */
export function finalSample(
  requestId: string,
  seq: number,
  agentId: string,
  data: FinalData,
  text = '',
): AgentResponse {
  return {
    request_id: requestId,
    seq,
    agent_id: agentId,
    kind: 'final',
    text,
    data: JSON.stringify(data),
  };
}

/** The terminal `error` response sample. */
export function errorSample(
  requestId: string,
  seq: number,
  agentId: string,
  data: ErrorData,
): AgentResponse {
  return {
    request_id: requestId,
    seq,
    agent_id: agentId,
    kind: 'error',
    text: '',
    data: JSON.stringify(data),
  };
}

/** Decodes `data` of a `final` sample. */
export function decodeFinalData(data: string): FinalData {
  const o = parseJsonObject(data, 'final data');
  if (typeof o['finish_reason'] !== 'string' || typeof o['usage'] !== 'object' || !o['usage']) {
    throw new ProtocolError('invalid_field', 'final data needs finish_reason and usage');
  }
  return o as unknown as FinalData;
}

/** Decodes `data` of an `error` sample. */
export function decodeErrorData(data: string): ErrorData {
  const o = parseJsonObject(data, 'error data');
  return {
    code: typeof o['code'] === 'string' ? o['code'] : 'engine_error',
    message: typeof o['message'] === 'string' ? o['message'] : 'unknown error',
    retryable: o['retryable'] === true,
  };
}

/** Decodes `data` of a `delta` sample. */
export function decodeDeltaData(data: string): DeltaData {
  if (data === '') return {};
  const o = parseJsonObject(data, 'delta data');
  if (o['tool_calls'] !== undefined && !Array.isArray(o['tool_calls'])) {
    throw new ProtocolError('invalid_field', 'delta tool_calls must be an array');
  }
  return o as DeltaData;
}
