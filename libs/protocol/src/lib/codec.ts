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
  type ContinueFrom,
  type IncomingRequest,
  type ProtocolRequest,
  type RequestKind,
  type Specialization,
  type ToolCallDelta,
  type Usage,
} from './model';
import { findJsonDepthViolation } from '@dds/openai-schema';
import { ProtocolError } from './protocol-error';
import { isValidId, MAX_ID_LENGTH } from './topics';

/** Longest model name accepted. */
export const MAX_MODEL_LENGTH = 256;
/** Most models one agent may announce. */
export const MAX_MODELS_PER_AGENT = 64;
/** Most capabilities one agent may announce. */
export const MAX_CAPABILITIES = 64;
/** Longest JSON request body accepted (characters); images travel inline as data URLs. */
export const MAX_BODY_LENGTH = 16 * 1024 * 1024;
/**
 * Deepest nesting of objects/arrays in a request body (the body is level 1). Agents in other
 * languages parse and re-serialise bodies with recursive JSON libraries (Python's and cJSON's
 * limits are about 1000), and so does `JSON.stringify` here.
 */
export const MAX_BODY_DEPTH = 256;
/** Longest `data` of a response sample accepted (characters): embeddings of a full batch fit. */
export const MAX_RESPONSE_DATA_LENGTH = 64 * 1024 * 1024;
/** Longest error message kept from an agent; longer ones are cut. */
export const MAX_ERROR_MESSAGE_LENGTH = 4096;
/** Longest finish reason or error code accepted from an agent. */
export const MAX_CODE_LENGTH = 64;
/** Most tool-call fragments in one response sample. */
export const MAX_TOOL_CALLS = 128;
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

function checkCount(count: number, max: number, field: string): void {
  if (count > max) {
    throw new ProtocolError(
      'field_too_long',
      `${field} has ${count} entries; at most ${max} are allowed`,
    );
  }
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
  checkCount(w.models.length, MAX_MODELS_PER_AGENT, 'models');
  if (w.models.length === 0) throw new ProtocolError('invalid_field', 'models must not be empty');
  for (const m of w.models) {
    checkLength(m, MAX_MODEL_LENGTH, 'model');
    if (m.length === 0) throw new ProtocolError('invalid_field', 'a model name is empty');
  }
  checkCount(w.capabilities.length, MAX_CAPABILITIES, 'capabilities');
  for (const c of w.capabilities) checkLength(c, MAX_SHORT_LENGTH, 'capability');
  if (w.slots < 1) throw new ProtocolError('invalid_field', 'slots must be at least 1');
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
    throw new ProtocolError(
      'invalid_field',
      `unknown agent state "${w.state.slice(0, MAX_CODE_LENGTH)}"`,
    );
  }
  for (const [field, v] of [
    ['ema_latency_ms', w.ema_latency_ms],
    ['tokens_per_second', w.tokens_per_second],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) {
      throw new ProtocolError('invalid_field', `${field} must be a finite number >= 0, got ${v}`);
    }
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

/**
 * Builds the wire request. Validates what a gateway controls (TypeError/RangeError on misuse).
 *
 * The body is the client's, so what is wrong with it is a typed `ProtocolError` the caller can
 * answer as the client's fault, never a stack overflow: `body_too_deep` beyond
 * {@link MAX_BODY_DEPTH} levels, `invalid_body` when it cannot be serialised (e.g. a BigInt),
 * `field_too_long` beyond {@link MAX_BODY_LENGTH}.
 */
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
  const body = encodeBody(
    req.continueFrom
      ? { ...req.body, [CONTINUE_FROM_KEY]: checkContinueFrom(req.continueFrom) }
      : req.body,
  );
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
    body,
  };
}

/**
 * The body member that carries a continuation on the wire. Reserved: the agent removes it
 * before its engine sees the body, so the OpenAI body stays the client's.
 */
export const CONTINUE_FROM_KEY = 'dds_llm_continue_from';

/** Validates a continuation (TypeError/RangeError on a gateway's misuse) and copies it. */
function checkContinueFrom(c: ContinueFrom): ContinueFrom {
  if (c === null || typeof c !== 'object') throw new TypeError('continueFrom must be an object');
  if (typeof c.text !== 'string') throw new TypeError('continueFrom.text must be a string');
  if (!isCount(c.completion_tokens)) {
    throw new RangeError(
      `continueFrom.completion_tokens must be an integer >= 0, got ${c.completion_tokens}`,
    );
  }
  const calls = c.tool_calls?.length
    ? { tool_calls: decodeToolCalls(c.tool_calls, 'continueFrom') }
    : {};
  return { text: c.text, completion_tokens: c.completion_tokens, ...calls };
}

/** Takes the continuation out of a received body; `ProtocolError('invalid_field')` if malformed. */
function takeContinueFrom(body: Record<string, unknown>): ContinueFrom | undefined {
  const v = body[CONTINUE_FROM_KEY];
  if (v === undefined) return undefined;
  delete body[CONTINUE_FROM_KEY];
  const bad = (why: string) => new ProtocolError('invalid_field', `${CONTINUE_FROM_KEY}: ${why}`);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('must be an object');
  const o = v as Record<string, unknown>;
  if (typeof o['text'] !== 'string') throw bad('text must be a string');
  if (!isCount(o['completion_tokens'])) throw bad('completion_tokens must be an integer >= 0');
  let calls: ToolCallDelta[] | undefined;
  if (o['tool_calls'] !== undefined) {
    try {
      calls = decodeToolCalls(o['tool_calls'], CONTINUE_FROM_KEY);
    } catch (e) {
      throw bad((e as Error).message);
    }
  }
  return {
    text: o['text'],
    completion_tokens: o['completion_tokens'],
    ...(calls?.length ? { tool_calls: calls } : {}),
  };
}

function checkBodyDepth(body: object): void {
  const deep = findJsonDepthViolation(body, MAX_BODY_DEPTH, 'body');
  if (deep) {
    throw new ProtocolError(
      'body_too_deep',
      `${deep.path} nests deeper than ${MAX_BODY_DEPTH} levels of objects and arrays`,
    );
  }
}

function encodeBody(body: Record<string, unknown>): string {
  checkBodyDepth(body);
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch (e) {
    throw new ProtocolError('invalid_body', `body cannot be serialised: ${(e as Error).message}`);
  }
  return checkLength(text, MAX_BODY_LENGTH, 'body');
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
  checkBodyDepth(body);
  const continueFrom = takeContinueFrom(body);
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
    ...(continueFrom ? { continueFrom } : {}),
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

/*
 * Response payloads come from agents, so whatever is wrong with them is the agent's fault
 * (`malformed_response`), never the client's. Each is rebuilt field by field from what the
 * protocol defines: nothing an agent adds (deep objects, huge strings in unknown fields) reaches
 * a client or a serialiser.
 */

function malformed(what: string, why: string): ProtocolError {
  return new ProtocolError('malformed_response', `${what}: ${why}`);
}

function parseResponseData(data: string, what: string): Record<string, unknown> {
  if (data.length > MAX_RESPONSE_DATA_LENGTH) {
    throw malformed(
      what,
      `${data.length} characters; at most ${MAX_RESPONSE_DATA_LENGTH} are allowed`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (e) {
    throw malformed(what, `not valid JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(what, 'not a JSON object');
  }
  return value as Record<string, unknown>;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function shortString(v: unknown, what: string, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_CODE_LENGTH) {
    throw malformed(what, `${field} must be a string of 1-${MAX_CODE_LENGTH} characters`);
  }
  return v;
}

function decodeUsage(v: unknown, what: string): Usage {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw malformed(what, 'usage must be an object');
  }
  const u = v as Record<string, unknown>;
  for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
    if (!isCount(u[k])) throw malformed(what, `usage.${k} must be an integer >= 0`);
  }
  const usage = {
    prompt_tokens: u['prompt_tokens'] as number,
    completion_tokens: u['completion_tokens'] as number,
    total_tokens: u['total_tokens'] as number,
  };
  const details = u['prompt_tokens_details'];
  if (details === undefined || details === null) return usage;
  const cached = (details as Record<string, unknown>)['cached_tokens'];
  if (typeof details !== 'object' || (cached !== undefined && !isCount(cached))) {
    throw malformed(what, 'usage.prompt_tokens_details.cached_tokens must be an integer >= 0');
  }
  return cached === undefined
    ? { ...usage, prompt_tokens_details: {} }
    : { ...usage, prompt_tokens_details: { cached_tokens: cached } };
}

function decodeToolCalls(v: unknown, what: string): ToolCallDelta[] {
  if (!Array.isArray(v)) throw malformed(what, 'tool_calls must be an array');
  if (v.length > MAX_TOOL_CALLS) {
    throw malformed(what, `${v.length} tool calls; at most ${MAX_TOOL_CALLS} are allowed`);
  }
  return v.map((c: unknown, i) => {
    const where = `tool_calls[${i}]`;
    if (c === null || typeof c !== 'object' || Array.isArray(c)) {
      throw malformed(what, `${where} must be an object`);
    }
    const o = c as Record<string, unknown>;
    if (!isCount(o['index']) || o['index'] >= MAX_TOOL_CALLS) {
      throw malformed(what, `${where}.index must be an integer in [0, ${MAX_TOOL_CALLS})`);
    }
    const out: { -readonly [K in keyof ToolCallDelta]: ToolCallDelta[K] } = { index: o['index'] };
    if (o['id'] !== undefined) {
      if (typeof o['id'] !== 'string' || o['id'].length > MAX_SHORT_LENGTH) {
        throw malformed(
          what,
          `${where}.id must be a string of at most ${MAX_SHORT_LENGTH} characters`,
        );
      }
      out.id = o['id'];
    }
    if (o['type'] !== undefined) {
      if (o['type'] !== 'function') throw malformed(what, `${where}.type must be "function"`);
      out.type = 'function';
    }
    const f = o['function'];
    if (f !== undefined) {
      if (f === null || typeof f !== 'object' || Array.isArray(f)) {
        throw malformed(what, `${where}.function must be an object`);
      }
      const fo = f as Record<string, unknown>;
      const fn: { name?: string; arguments?: string } = {};
      for (const k of ['name', 'arguments'] as const) {
        if (fo[k] === undefined) continue;
        if (typeof fo[k] !== 'string')
          throw malformed(what, `${where}.function.${k} must be a string`);
        fn[k] = fo[k];
      }
      out.function = fn;
    }
    return out;
  });
}

function decodeEmbeddings(v: unknown, what: string): number[][] {
  if (!Array.isArray(v)) throw malformed(what, 'embeddings must be an array');
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (!Array.isArray(e)) throw malformed(what, `embeddings[${i}] must be an array of numbers`);
    for (let j = 0; j < e.length; j++) {
      if (typeof e[j] !== 'number' || !Number.isFinite(e[j])) {
        throw malformed(what, `embeddings[${i}][${j}] must be a finite number`);
      }
    }
  }
  return v as number[][];
}

/**
 * Decodes `data` of a `final` sample. Throws `ProtocolError('malformed_response')`: a bad
 * payload is the agent's fault.
 */
export function decodeFinalData(data: string): FinalData {
  const what = 'final data';
  const o = parseResponseData(data, what);
  const out: { -readonly [K in keyof FinalData]: FinalData[K] } = {
    finish_reason: shortString(o['finish_reason'], what, 'finish_reason'),
    usage: decodeUsage(o['usage'], what),
  };
  if (o['tool_calls'] !== undefined) out.tool_calls = decodeToolCalls(o['tool_calls'], what);
  if (o['embeddings'] !== undefined) out.embeddings = decodeEmbeddings(o['embeddings'], what);
  return out;
}

/**
 * Decodes `data` of an `error` sample: the agent's own report of a failure. Throws
 * `ProtocolError('malformed_response')` when it is not a JSON object; missing or odd fields get
 * defaults (`engine_error`, `unknown error`), an overlong message is cut.
 */
export function decodeErrorData(data: string): ErrorData {
  const o = parseResponseData(data, 'error data');
  const code = o['code'];
  const message = o['message'];
  return {
    code:
      typeof code === 'string' && code.length > 0 && code.length <= MAX_CODE_LENGTH
        ? code
        : 'engine_error',
    message:
      typeof message === 'string' ? message.slice(0, MAX_ERROR_MESSAGE_LENGTH) : 'unknown error',
    retryable: o['retryable'] === true,
  };
}

/** Decodes `data` of a `delta` sample. Throws `ProtocolError('malformed_response')`. */
export function decodeDeltaData(data: string): DeltaData {
  if (data === '') return {};
  const what = 'delta data';
  const o = parseResponseData(data, what);
  return o['tool_calls'] === undefined
    ? {}
    : { tool_calls: decodeToolCalls(o['tool_calls'], what) };
}
