/**
 * The minimal OpenAI chat message shape the context store needs. Structurally compatible with the
 * wire types of `@dds/openai-schema` (its `ChatMessage` is assignable to it), so the store is generic
 * over the caller's message type and hands back the very objects it was given. Fields not listed
 * here are carried along untouched.
 */
export interface ContextMessage {
  role: string;
  content?: string | readonly ContextContentPart[] | null;
  name?: string;
  tool_calls?: readonly ContextToolCall[];
  tool_call_id?: string;
  refusal?: string | null;
}

/**
 * A content part: `text` (and `refusal`) parts are tokenized, any other part costs a fixed number
 * of tokens. Other fields are carried along untouched.
 */
export interface ContextContentPart {
  type: string;
  text?: string;
  refusal?: string;
}

/** A tool call carried by an assistant message: a function call or a custom-tool call. */
export interface ContextToolCall {
  id: string;
  type: string;
  function?: { name: string; arguments: string };
  custom?: { name: string; input: string };
}

/** Counts tokens of a text. */
export interface Tokenizer {
  countTokens(text: string): number;
}

/** The store's view of time (only `now` is needed: expiry is checked lazily on use). */
export interface ContextClock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
}

/** Construction options of {@link ContextStore}. */
export interface ContextStoreOptions {
  /** Idle time after which a session expires (sliding: every prepare/commit renews it), ms. */
  ttlMs: number;
  /** Most sessions kept (least recently used evicted first). Default 10000. */
  maxSessions?: number;
  /** Most bytes of stored history over all sessions (approximate, UTF-8). Default 64 MiB. */
  maxBytes?: number;
  /** Default: `gpt-tokenizer` (o200k_base). */
  tokenizer?: Tokenizer;
  /** Default: `performance`. */
  clock?: ContextClock;
  /**
   * Tokens charged per message for role and framing (OpenAI's chat format costs ~3-4). Default 4.
   */
  messageOverheadTokens?: number;
  /** Tokens charged for a non-text content part (image, audio, file). Default 765. */
  nonTextPartTokens?: number;
  /** Most messages kept per session (oldest non-system dropped first on commit). Default 1000. */
  maxMessagesPerSession?: number;
}

/** What {@link ContextStore.prepare} returns. */
export interface PreparedContext<M extends ContextMessage = ContextMessage> {
  /** The messages to send to the agent, trimmed to the budget, in conversation order. */
  messages: M[];
  /**
   * The whole conversation before trimming (stored history + new request messages). Pass it to
   * {@link ContextStore.commit} so a later request to an agent with a larger window gets more.
   */
  conversation: M[];
  /** Token count of `messages` (exact when `tokensExact`, else an upper bound that fits the budget). */
  tokens: number;
  /** Whether `tokens` comes from the tokenizer (only run when a cheap byte bound did not fit). */
  tokensExact: boolean;
  /** Messages of `conversation` left out of `messages`. */
  trimmed: number;
  /** Stored messages prepended to the request. */
  historyUsed: number;
  /**
   * Whether the request already carried the stored history (system/developer messages aside),
   * so nothing was prepended.
   */
  fullHistorySent: boolean;
}

/** A session as JSON (`export` / `import`). */
export interface SessionSnapshot<M extends ContextMessage = ContextMessage> {
  version: 1;
  id: string;
  messages: M[];
}
