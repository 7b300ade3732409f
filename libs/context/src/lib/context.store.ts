import { LRUCache } from 'lru-cache';
import {
  ContextWindowExceededError,
  InvalidMessagesError,
  InvalidSessionError,
} from './context.errors';
import type {
  ContextClock,
  ContextMessage,
  ContextStoreOptions,
  PreparedContext,
  SessionSnapshot,
} from './context.types';
import { gptTokenizer, REPLY_PRIMING_TOKENS, TokenCounter } from './token-counter';

interface Session<M> {
  messages: M[];
  bytes: number;
  /** Idle time after which this session expires. */
  ttlMs: number;
}

const PINNED_ROLES = new Set(['system', 'developer']);
const KNOWN_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
/** Longest session id (`x-session-id`) accepted. */
export const MAX_SESSION_ID_LENGTH = 256;
/** Positions tried when looking for the stored conversation inside a request. */
const MAX_HISTORY_OFFSETS = 8;

function isPinnedRole(m: ContextMessage): boolean {
  return PINNED_ROLES.has(m.role);
}

/** Structural equality of two JSON-like values (messages are small; no cycles by construction). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  for (const k of keys) if (!sameJson(ao[k], bo[k])) return false;
  return true;
}

/** Whether two messages say the same thing (content `null` and absent are the same). */
function sameMessage(a: ContextMessage, b: ContextMessage): boolean {
  if (a === b) return true;
  if (a.role !== b.role) return false;
  return sameJson({ ...a, content: a.content ?? null }, { ...b, content: b.content ?? null });
}

function messageError(m: unknown, where: string): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return `${where} must be an object`;
  const msg = m as Record<string, unknown>;
  if (typeof msg['role'] !== 'string' || !KNOWN_ROLES.has(msg['role'])) {
    return `${where}.role must be one of ${[...KNOWN_ROLES].join(', ')}`;
  }
  const c = msg['content'];
  if (c !== undefined && c !== null && typeof c !== 'string') {
    if (!Array.isArray(c)) return `${where}.content must be a string, an array of parts or null`;
    for (let i = 0; i < c.length; i++) {
      const part = c[i] as Record<string, unknown> | null;
      if (typeof part !== 'object' || part === null || typeof part['type'] !== 'string') {
        return `${where}.content[${i}] must be an object with a string type`;
      }
      if (part['type'] === 'text' && typeof part['text'] !== 'string') {
        return `${where}.content[${i}].text must be a string`;
      }
    }
  }
  const calls = msg['tool_calls'];
  if (calls !== undefined) {
    if (!Array.isArray(calls)) return `${where}.tool_calls must be an array`;
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as Record<string, Record<string, unknown> | undefined> | null;
      const f = call?.['function'];
      const c = call?.['custom'];
      const okFunction = typeof f?.['name'] === 'string' && typeof f?.['arguments'] === 'string';
      const okCustom = typeof c?.['name'] === 'string' && typeof c?.['input'] === 'string';
      if (!okFunction && !okCustom) {
        return `${where}.tool_calls[${i}] needs function {name, arguments} or custom {name, input} strings`;
      }
    }
  }
  for (const k of ['name', 'tool_call_id']) {
    if (msg[k] !== undefined && typeof msg[k] !== 'string') return `${where}.${k} must be a string`;
  }
  return undefined;
}

function validSessionId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_SESSION_ID_LENGTH;
}

/**
 * Conversation sessions for the gateway: stored history per session id, merged into requests and
 * trimmed to the chosen agent's context window by real token counts.
 *
 * Rules of {@link ContextStore.prepare}:
 * - The stored history is prepended unless the request already carries it (the client sent the
 *   full history, possibly with older turns the store dropped). The comparison is by content and
 *   ignores system/developer messages, so a client that resends the conversation with new
 *   instructions is not given it twice. When the
 *   request has its own leading system/developer messages, those replace the stored ones (the
 *   client's current instructions win) and go first.
 * - Trimming keeps every system/developer message and the newest turn (from the last `user`
 *   message to the end, so tool calls and results of the turn stay together), and drops whole
 *   older exchanges (a `user` message with the replies, tool calls and tool results after it),
 *   oldest first. Order is kept. If the kept messages alone exceed the budget,
 *   {@link ContextWindowExceededError} is thrown: the request cannot be served by that agent.
 *
 * Memory: per-session idle TTL and a global LRU bound (sessions and bytes) via `lru-cache`.
 * Tokenizing happens only when a session is used, once per message object, and only when a cheap
 * byte bound says the conversation may not fit.
 *
 * Concurrent requests on one session each see the history as of their `prepare`; the last `commit`
 * wins.
 *
 * @typeParam M - the caller's message type (e.g. `ChatMessage` of `@dds/openai-schema`)
 */
export class ContextStore<M extends ContextMessage = ContextMessage> {
  private readonly cache: LRUCache<string, Session<M>>;
  private readonly counter: TokenCounter;
  private readonly fastBound: boolean;
  private readonly maxMessages: number;
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly sizes = new WeakMap<object, number>();

  constructor(options: ContextStoreOptions) {
    const ttlMs = options?.ttlMs;
    if (typeof ttlMs !== 'number' || !(ttlMs > 0) || !Number.isFinite(ttlMs)) {
      throw new RangeError(`ContextStore: ttlMs must be a finite number > 0, got ${String(ttlMs)}`);
    }
    const maxSessions = options.maxSessions ?? 10_000;
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    for (const [k, v] of [
      ['maxSessions', maxSessions],
      ['maxBytes', maxBytes],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`ContextStore: ${k} must be an integer >= 1, got ${String(v)}`);
      }
    }
    const maxMessages = options.maxMessagesPerSession ?? 1000;
    if (!Number.isInteger(maxMessages) || maxMessages < 1) {
      throw new RangeError(
        `ContextStore: maxMessagesPerSession must be an integer >= 1, got ${String(maxMessages)}`,
      );
    }
    this.ttlMs = ttlMs;
    this.maxBytes = maxBytes;
    this.maxMessages = maxMessages;
    const clock: ContextClock = options.clock ?? performance;
    this.cache = new LRUCache<string, Session<M>>({
      max: maxSessions,
      maxSize: maxBytes,
      sizeCalculation: (s) => Math.max(1, s.bytes),
      ttl: ttlMs,
      // Sliding expiry: a session lives while it is used.
      updateAgeOnGet: true,
      // Time comes from the injected clock, read on every check (no cached "now" timer).
      perf: { now: () => clock.now() },
      ttlResolution: 0,
    });
    const tokenizer = options.tokenizer ?? gptTokenizer;
    // The byte bound is only sound for byte-level BPE; custom tokenizers are always run.
    this.fastBound = tokenizer === gptTokenizer;
    this.counter = new TokenCounter(tokenizer, {
      overhead: options.messageOverheadTokens ?? 4,
      nonTextPart: options.nonTextPartTokens ?? 765,
    });
  }

  /** Live sessions. */
  get size(): number {
    this.cache.purgeStale();
    return this.cache.size;
  }

  /** Approximate bytes of stored history over all live sessions. */
  get bytes(): number {
    this.cache.purgeStale();
    return this.cache.calculatedSize;
  }

  /** Whether the session exists and has not expired (does not renew it). */
  has(sessionId: string): boolean {
    return this.cache.has(sessionId);
  }

  /** The stored history (renews the session), or `undefined`. */
  history(sessionId: string): readonly M[] | undefined {
    return this.cache.get(sessionId)?.messages;
  }

  /** Forgets a session. */
  delete(sessionId: string): boolean {
    return this.cache.delete(sessionId);
  }

  /** Exact token count of messages as {@link ContextStore.prepare} counts them (with reply priming). */
  countTokens(messages: readonly M[]): number {
    let n = REPLY_PRIMING_TOKENS;
    for (const m of messages) n += this.counter.tokens(m);
    return n;
  }

  /**
   * Builds the messages to send to an agent.
   *
   * @param sessionId - session to merge with, or `undefined` for a stateless request (trim only)
   * @param requestMessages - the request's `messages`
   * @param contextWindowTokens - the agent's context size; `Infinity` for unknown (no trimming)
   * @param reservedForOutput - tokens kept free for the reply (e.g. `max_tokens`)
   * @throws InvalidMessagesError when the messages or numbers are malformed
   * @throws ContextWindowExceededError when the messages that cannot be dropped do not fit
   */
  prepare(
    sessionId: string | undefined,
    requestMessages: readonly M[],
    contextWindowTokens: number,
    reservedForOutput = 0,
  ): PreparedContext<M> {
    if (!Array.isArray(requestMessages) || requestMessages.length === 0) {
      throw new InvalidMessagesError('messages must be a non-empty array');
    }
    for (let i = 0; i < requestMessages.length; i++) {
      const err = messageError(requestMessages[i], `messages[${i}]`);
      if (err) throw new InvalidMessagesError(err);
    }
    if (typeof contextWindowTokens !== 'number' || !(contextWindowTokens > 0)) {
      throw new InvalidMessagesError(
        `contextWindowTokens must be > 0 (Infinity for no limit), got ${String(contextWindowTokens)}`,
      );
    }
    if (!Number.isFinite(reservedForOutput) || reservedForOutput < 0) {
      throw new InvalidMessagesError(
        `reservedForOutput must be a finite number >= 0, got ${String(reservedForOutput)}`,
      );
    }
    if (sessionId !== undefined && !validSessionId(sessionId)) {
      throw new InvalidMessagesError(
        `session id must be a non-empty string of at most ${MAX_SESSION_ID_LENGTH} characters`,
      );
    }

    const history = sessionId === undefined ? undefined : this.cache.get(sessionId)?.messages;
    let conversation: M[];
    let historyUsed = 0;
    let fullHistorySent = false;
    if (!history || history.length === 0) {
      conversation = requestMessages.slice();
    } else if (this.startsWith(requestMessages, history)) {
      conversation = requestMessages.slice();
      fullHistorySent = true;
    } else {
      let lead = 0;
      while (lead < requestMessages.length && isPinnedRole(requestMessages[lead])) lead++;
      const carried = lead > 0 ? history.filter((m) => !isPinnedRole(m)) : history;
      historyUsed = carried.length;
      conversation = [
        ...requestMessages.slice(0, lead),
        ...carried,
        ...requestMessages.slice(lead),
      ];
    }

    const base = { conversation, historyUsed, fullHistorySent };
    // An Infinity window (unknown size) always fits; `tokens` is still a true bound.
    const budget = contextWindowTokens - reservedForOutput;
    if (this.fastBound) {
      let bound = REPLY_PRIMING_TOKENS;
      for (const m of conversation) bound += this.counter.upperBound(m);
      if (bound <= budget) {
        return { ...base, messages: conversation, tokens: bound, tokensExact: false, trimmed: 0 };
      }
    }
    const tokens = conversation.map((m) => this.counter.tokens(m));
    let total = REPLY_PRIMING_TOKENS;
    for (const t of tokens) total += t;
    if (total <= budget) {
      return { ...base, messages: conversation, tokens: total, tokensExact: true, trimmed: 0 };
    }
    const kept = this.trim(conversation, tokens, budget);
    let keptTokens = REPLY_PRIMING_TOKENS;
    const messages: M[] = [];
    for (let i = 0; i < conversation.length; i++) {
      if (kept[i]) {
        messages.push(conversation[i]);
        keptTokens += tokens[i];
      }
    }
    return {
      ...base,
      messages,
      tokens: keptTokens,
      tokensExact: true,
      trimmed: conversation.length - messages.length,
    };
  }

  /**
   * Stores the conversation after a completed request: `sentMessages` (pass
   * `prepared.conversation` to keep what did not fit this agent's window) followed by the
   * assistant's reply. Renews the session's TTL; `options.ttlMs` gives this session its own idle
   * TTL (kept by later commits that do not set one), otherwise the store's `ttlMs` applies.
   *
   * @throws InvalidMessagesError when the session id, a message or the TTL is malformed
   */
  commit(
    sessionId: string,
    sentMessages: readonly M[],
    assistantReply: M,
    options?: { ttlMs?: number },
  ): void {
    const ttl = options?.ttlMs;
    if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl))) {
      throw new InvalidMessagesError(`ttlMs must be a finite number > 0, got ${String(ttl)}`);
    }
    if (!validSessionId(sessionId)) {
      throw new InvalidMessagesError(
        `session id must be a non-empty string of at most ${MAX_SESSION_ID_LENGTH} characters`,
      );
    }
    if (!Array.isArray(sentMessages)) throw new InvalidMessagesError('messages must be an array');
    for (let i = 0; i < sentMessages.length; i++) {
      const err = messageError(sentMessages[i], `messages[${i}]`);
      if (err) throw new InvalidMessagesError(err);
    }
    const replyErr = messageError(assistantReply, 'reply');
    if (replyErr) throw new InvalidMessagesError(replyErr);
    const ttlMs = ttl ?? this.cache.get(sessionId)?.ttlMs ?? this.ttlMs;
    this.store(sessionId, [...sentMessages, assistantReply], ttlMs);
  }

  /** The session as a JSON-ready snapshot (a deep copy), or `undefined` if absent/expired. */
  export(sessionId: string): SessionSnapshot<M> | undefined {
    const s = this.cache.get(sessionId);
    if (!s) return undefined;
    return { version: 1, id: sessionId, messages: structuredClone(s.messages) };
  }

  /**
   * Restores a session from {@link ContextStore.export}'s output (object or JSON text), replacing a
   * session of the same id. Returns the session id.
   *
   * @throws InvalidSessionError with the first problem found
   */
  import(json: unknown): string {
    let data = json;
    if (typeof json === 'string') {
      try {
        data = JSON.parse(json);
      } catch (e) {
        throw new InvalidSessionError(
          `session snapshot is not valid JSON: ${(e as Error).message}`,
        );
      }
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new InvalidSessionError('session snapshot must be an object');
    }
    const snap = data as Record<string, unknown>;
    if (snap['version'] !== 1) {
      throw new InvalidSessionError(
        `unsupported session snapshot version ${String(snap['version'])}`,
      );
    }
    if (!validSessionId(snap['id'])) {
      throw new InvalidSessionError(
        `id must be a non-empty string of at most ${MAX_SESSION_ID_LENGTH} characters`,
      );
    }
    const messages = snap['messages'];
    if (!Array.isArray(messages)) throw new InvalidSessionError('messages must be an array');
    for (let i = 0; i < messages.length; i++) {
      const err = messageError(messages[i], `messages[${i}]`);
      if (err) throw new InvalidSessionError(err);
    }
    const id = snap['id'];
    // A copy: the store must not share objects with the caller's parsed document.
    this.store(id, structuredClone(messages) as M[]);
    return id;
  }

  /**
   * Keeps at most `maxMessagesPerSession` messages and never more bytes than the whole store may
   * hold, dropping the oldest non-system messages first (one huge session must not silently vanish).
   */
  private store(sessionId: string, messages: M[], ttlMs = this.ttlMs): void {
    let list = messages;
    let bytes = 0;
    for (const m of list) bytes += this.messageBytes(m);
    let drop = Math.max(0, list.length - this.maxMessages);
    if (drop > 0 || bytes > this.maxBytes) {
      const dropped = new Set<M>();
      for (const m of list) {
        if (drop <= 0 && bytes <= this.maxBytes) break;
        if (isPinnedRole(m)) continue;
        dropped.add(m);
        bytes -= this.messageBytes(m);
        drop--;
      }
      list = list.filter((m) => !dropped.has(m));
    }
    if (bytes > this.maxBytes) {
      // Only system messages are left and they alone are too big: do not keep the session.
      this.cache.delete(sessionId);
      return;
    }
    this.cache.set(sessionId, { messages: list, bytes, ttlMs }, { ttl: ttlMs });
  }

  /** Serialized size of a message, cached per object (stored histories are re-committed often). */
  private messageBytes(m: M): number {
    let n = this.sizes.get(m);
    if (n === undefined) {
      n = Buffer.byteLength(JSON.stringify(m), 'utf8');
      this.sizes.set(m, n);
    }
    return n;
  }

  /**
   * Whether the request already carries the stored conversation: its messages (system/developer
   * skipped on both sides) contain the stored ones as a contiguous run, normally at the start, or
   * further in when the client holds older turns the store dropped (message/byte caps). A few
   * candidate positions at most are tried, so a hostile request cannot make this quadratic. A
   * history of instructions only never counts as sent.
   */
  private startsWith(request: readonly M[], history: readonly M[]): boolean {
    let first = 0;
    while (first < history.length && isPinnedRole(history[first])) first++;
    if (first === history.length) return false;
    let tries = 0;
    for (let p = 0; p < request.length && tries < MAX_HISTORY_OFFSETS; p++) {
      if (isPinnedRole(request[p]) || !sameMessage(request[p], history[first])) continue;
      tries++;
      if (this.runMatches(request, p, history, first)) return true;
    }
    return false;
  }

  private runMatches(request: readonly M[], from: number, history: readonly M[], first: number) {
    let i = from;
    for (let j = first; j < history.length; j++) {
      if (isPinnedRole(history[j])) continue;
      while (i < request.length && isPinnedRole(request[i])) i++;
      if (i >= request.length || !sameMessage(request[i], history[j])) return false;
      i++;
    }
    return true;
  }

  /**
   * Chooses what to keep: pinned messages (system/developer, newest turn) always, then whole
   * older exchanges newest first while they fit. Returns a keep-mask in conversation order.
   */
  private trim(conversation: readonly M[], tokens: readonly number[], budget: number): boolean[] {
    const n = conversation.length;
    const kept = new Array<boolean>(n).fill(false);
    let newest = n - 1;
    for (let i = n - 1; i >= 0; i--) {
      if (conversation[i].role === 'user') {
        newest = i;
        break;
      }
    }
    let used = REPLY_PRIMING_TOKENS;
    for (let i = 0; i < n; i++) {
      if (i >= newest || isPinnedRole(conversation[i])) {
        kept[i] = true;
        used += tokens[i];
      }
    }
    if (used > budget) throw new ContextWindowExceededError(used, budget);
    // Exchanges before the newest turn, each starting at a user message, walked newest first.
    let end = newest;
    while (end > 0) {
      let start = end - 1;
      while (start > 0 && conversation[start].role !== 'user') start--;
      let cost = 0;
      for (let i = start; i < end; i++) if (!kept[i]) cost += tokens[i];
      if (used + cost > budget) break;
      for (let i = start; i < end; i++) kept[i] = true;
      used += cost;
      end = start;
    }
    return kept;
  }
}
