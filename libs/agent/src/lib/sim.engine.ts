import { createHash } from 'node:crypto';
import type { ToolCallDelta, Usage } from '@dds/protocol';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '@dds/common';
import {
  EngineError,
  type ChatJob,
  type EmbeddingJob,
  type EmbeddingResult,
  type Engine,
  type EngineEvent,
} from './engine';

/** Options of {@link SimEngine}. All times in ms, rates in tokens/s; 0 rates mean "instant". */
export interface SimEngineOptions {
  /** Fixed time to first token on top of prefill. Default 50. */
  readonly ttftMs?: number;
  /** Prompt processing rate; cached prefix tokens are not processed. Default 2000. 0 = instant. */
  readonly prefillTokensPerSec?: number;
  /** Generation rate (inter-token interval = 1000 / rate). Default 50. 0 = instant. */
  readonly decodeTokensPerSec?: number;
  /** Completion length when the request does not cap it lower. Default 32. */
  readonly outputTokens?: number;
  /** Seeds generated text and embeddings (same prompt + seed -> same output). Default 0. */
  readonly seed?: number;
  /** Embedding dimension unless the request asks `dimensions`. Default 768. */
  readonly embeddingDim?: number;
  /** Whether image parts are accepted (a vision model). Default false. */
  readonly vision?: boolean;
  /** Prefix-cache capacity in blocks (0 disables). Default 4096. */
  readonly prefixCacheBlocks?: number;
  /** Multiplies every simulated duration (failure injection: a slow agent). Default 1. */
  readonly slowFactor?: number;
  /** Text tokens per image part (what an image costs in prefill). Default 256. */
  readonly imageTokens?: number;
  /** Context window: a longer prompt (plus its completion cap) is refused. Default unlimited. */
  readonly maxContextTokens?: number;
  readonly clock?: Clock;
}

/** Characters per simulated prompt token (the usual ~4 for English). */
const CHARS_PER_TOKEN = 4;
/** Prefix-cache granularity, in tokens (a KV-cache page). */
export const PREFIX_BLOCK_TOKENS = 16;

const WORDS = (
  'the a of to and in that is for on with as it was at by from this be are or an have ' +
  'which one you had not but all were when we there can out more some time could them ' +
  'model data fleet agent token stream light river stone cloud signal garden number ' +
  'quiet bright over under across through simple careful small large early later green ' +
  'north south east west answer question reason idea story system network message'
).split(' ');

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** FNV-1a 32-bit, for seeding. */
function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a tiny deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PromptShape {
  text: string;
  images: number;
  lastUser: string;
  /** The conversation ends with a tool result: the model answers it rather than calling again. */
  answersTool: boolean;
}

function promptOf(body: Record<string, unknown>): PromptShape {
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new EngineError('messages must be a non-empty array', 'invalid_request', false);
  }
  let text = '';
  let images = 0;
  let lastUser = '';
  for (const m of messages as Record<string, unknown>[]) {
    if (!m || typeof m !== 'object') {
      throw new EngineError('each message must be an object', 'invalid_request', false);
    }
    const c = m['content'];
    let t = '';
    if (typeof c === 'string') t = c;
    else if (Array.isArray(c)) {
      for (const p of c as Record<string, unknown>[]) {
        if (p?.['type'] === 'text' && typeof p['text'] === 'string') t += p['text'];
        else if (p?.['type'] === 'image_url') images++;
      }
    }
    text += `${String(m['role'])}: ${t}\n`;
    if (m['role'] === 'user') lastUser = t;
  }
  const last = messages[messages.length - 1] as Record<string, unknown> | undefined;
  return { text, images, lastUser, answersTool: last?.['role'] === 'tool' };
}

/** Approximate token count of a text (deterministic, cheap). */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * Deterministic simulated inference. Timing: `ttftMs + uncachedPromptTokens / prefill` to the
 * first token, then one token every `1000 / decode` ms (all scaled by `slowFactor`), scheduled
 * against absolute times so that timer jitter does not accumulate. The prefix cache remembers
 * prompt blocks of {@link PREFIX_BLOCK_TOKENS} tokens (chained hashes, like a paged KV cache):
 * a prompt that starts with an already seen prefix skips that part of prefill.
 */
export class SimEngine implements Engine {
  readonly name = 'sim';
  /** Continues deterministically: the same seeded sequence, without its first tokens. */
  readonly canContinue = true;
  private readonly o: Required<Omit<SimEngineOptions, 'clock' | 'maxContextTokens'>>;
  private readonly maxContext: number;
  private readonly clock: Clock;
  private readonly cache: LRUCache<string, true> | undefined;

  constructor(options: SimEngineOptions = {}) {
    this.o = {
      ttftMs: options.ttftMs ?? 50,
      prefillTokensPerSec: options.prefillTokensPerSec ?? 2000,
      decodeTokensPerSec: options.decodeTokensPerSec ?? 50,
      outputTokens: options.outputTokens ?? 32,
      seed: options.seed ?? 0,
      embeddingDim: options.embeddingDim ?? 768,
      vision: options.vision ?? false,
      prefixCacheBlocks: options.prefixCacheBlocks ?? 4096,
      slowFactor: options.slowFactor ?? 1,
      imageTokens: options.imageTokens ?? 256,
    };
    for (const [k, v] of Object.entries(this.o)) {
      if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) {
        throw new RangeError(`SimEngine option ${k} must be a finite number >= 0, got ${v}`);
      }
    }
    if (this.o.embeddingDim < 1) throw new RangeError('SimEngine embeddingDim must be >= 1');
    this.maxContext = options.maxContextTokens ?? Infinity;
    if (!(this.maxContext >= 1)) {
      throw new RangeError(
        `SimEngine maxContextTokens must be >= 1, got ${options.maxContextTokens}`,
      );
    }
    this.clock = options.clock ?? systemClock;
    this.cache =
      this.o.prefixCacheBlocks > 0
        ? new LRUCache<string, true>({ max: this.o.prefixCacheBlocks })
        : undefined;
  }

  /**
   * How many leading prompt tokens are already in the prefix cache, and records the prompt's
   * blocks (as prefill would fill the KV cache).
   */
  prefixLookup(text: string): number {
    if (!this.cache) return 0;
    const blockChars = PREFIX_BLOCK_TOKENS * CHARS_PER_TOKEN;
    const blocks = Math.floor(text.length / blockChars);
    if (blocks === 0) return 0;
    const h = createHash('sha1');
    let cached = 0;
    let missed = false;
    for (let b = 0; b < blocks; b++) {
      h.update(text.slice(b * blockChars, (b + 1) * blockChars));
      const key = h.copy().digest('base64');
      if (!missed && this.cache.get(key)) cached += PREFIX_BLOCK_TOKENS;
      else {
        missed = true;
        this.cache.set(key, true);
      }
    }
    return cached;
  }

  async *chat(job: ChatJob): AsyncGenerator<EngineEvent> {
    const { body, signal } = job;
    const prompt = promptOf(body);
    if (prompt.images > 0 && !this.o.vision) {
      throw new EngineError(
        `model ${job.model} does not accept image inputs`,
        'invalid_request',
        false,
      );
    }
    const promptTokens = approxTokens(prompt.text) + prompt.images * this.o.imageTokens;
    const maxTokens = capOf(body);
    if (promptTokens + (maxTokens ?? 0) > this.maxContext) {
      throw new EngineError(
        `This model's maximum context length is ${this.maxContext} tokens. However, you requested ` +
          `${promptTokens + (maxTokens ?? 0)} tokens (${promptTokens} in the messages, ` +
          `${maxTokens ?? 0} in the completion). Please reduce the length of the messages or completion.`,
        'context_length_exceeded',
        false,
      );
    }
    const cachedTokens = this.prefixLookup(prompt.text);
    const limit = Math.min(this.o.outputTokens, maxTokens ?? Infinity);
    const finishByLength = maxTokens !== undefined && maxTokens < this.o.outputTokens;
    // A continuation re-reads the partial answer (prefill) and skips the tokens already sent.
    const cont = job.continueFrom;
    const skip = cont ? Math.min(cont.completion_tokens, limit) : 0;
    const refill = cont ? approxTokens(cont.text) + skip : 0;

    const f = this.o.slowFactor;
    const prefillMs =
      this.o.prefillTokensPerSec > 0
        ? ((promptTokens - cachedTokens + refill) / this.o.prefillTokensPerSec) * 1000
        : 0;
    const interval = this.o.decodeTokensPerSec > 0 ? 1000 / this.o.decodeTokensPerSec : 0;
    const start = this.clock.now();
    const firstAt = start + (this.o.ttftMs + prefillMs) * f;

    const tool = toolCallFor(body, prompt, this.o.seed);
    const rnd = prng(hash32(prompt.text, this.o.seed));
    let produced = 0;
    if (tool) {
      await this.clock.sleep(firstAt - this.clock.now(), signal);
      const args = JSON.stringify(tool.args);
      // The call's header (id, name) went out already when a continuation carries the call.
      if (!cont?.tool_calls?.length) {
        yield {
          type: 'tool-call',
          delta: {
            index: 0,
            id: tool.id,
            type: 'function',
            function: { name: tool.name, arguments: '' },
          },
        };
      }
      // Arguments stream in a few fragments, as real servers do; a continuation skips the
      // fragments already sent (each is one completion token).
      const step = Math.max(1, Math.ceil(args.length / 4));
      const sent = cont ? Math.min(cont.completion_tokens, Math.ceil(args.length / step)) : 0;
      for (let i = sent * step; i < args.length; i += step) {
        produced++;
        await this.clock.sleep(firstAt + produced * interval * f - this.clock.now(), signal);
        yield {
          type: 'tool-call',
          delta: { index: 0, function: { arguments: args.slice(i, i + step) } } as ToolCallDelta,
        };
      }
      yield {
        type: 'final',
        finishReason: 'tool_calls',
        usage: usageOf(promptTokens, produced, cachedTokens),
      };
      return;
    }
    for (let i = 0; i < limit; i++) {
      const word = WORDS[Math.floor(rnd() * WORDS.length)] as string;
      if (i < skip) continue; // Sent by the agent this continues.
      const due = firstAt + (i - skip) * interval * f;
      const wait = due - this.clock.now();
      if (wait > 0 || interval === 0) await this.clock.sleep(wait, signal);
      else {
        // Behind schedule (a busy or paused process): still let the event loop deliver a cancel
        // before the next token, rather than bursting the rest of the answer unchecked.
        await yieldToEventLoop();
        if (signal.aborted) throw signal.reason;
      }
      produced++;
      yield { type: 'text', text: i === 0 ? capitalise(word) : ` ${word}` };
    }
    yield {
      type: 'final',
      finishReason: finishByLength ? 'length' : 'stop',
      usage: usageOf(promptTokens, produced, cachedTokens),
    };
  }

  async embed(job: EmbeddingJob): Promise<EmbeddingResult> {
    const { body, signal } = job;
    const input = body['input'];
    let texts: string[];
    if (typeof input === 'string') texts = [input];
    else if (
      Array.isArray(input) &&
      input.length > 0 &&
      input.every((x) => typeof x === 'string')
    ) {
      texts = input as string[];
    } else if (
      Array.isArray(input) &&
      input.length > 0 &&
      input.every((x) => typeof x === 'number')
    ) {
      texts = [(input as number[]).join(',')];
    } else if (
      Array.isArray(input) &&
      input.length > 0 &&
      input.every((x) => Array.isArray(x) && x.every((y) => typeof y === 'number'))
    ) {
      texts = (input as number[][]).map((x) => x.join(','));
    } else {
      throw new EngineError(
        'input must be a string, an array of strings or token arrays',
        'invalid_request',
        false,
      );
    }
    const dims = body['dimensions'];
    const dim = typeof dims === 'number' && dims > 0 ? Math.floor(dims) : this.o.embeddingDim;
    const tokens = texts.reduce((n, t) => n + approxTokens(t), 0);
    const ms = this.o.prefillTokensPerSec > 0 ? (tokens / this.o.prefillTokensPerSec) * 1000 : 0;
    await this.clock.sleep(ms * this.o.slowFactor, signal);
    return {
      embeddings: texts.map((t) => embedText(t, dim, this.o.seed)),
      usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens },
    };
  }
}

/**
 * A deterministic unit vector for `text`: Gaussian components from a PRNG seeded by the text
 * (Box-Muller), normalised to length 1.
 */
export function embedText(text: string, dim: number, seed = 0): number[] {
  const rnd = prng(hash32(text, seed));
  const v = new Array<number>(dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    const u = 1 - rnd();
    const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
    v[i] = g;
    norm += g * g;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dim; i++) v[i] = (v[i] as number) * inv;
  return v;
}

function capOf(body: Record<string, unknown>): number | undefined {
  const m = body['max_completion_tokens'] ?? body['max_tokens'];
  return typeof m === 'number' && m >= 0 ? Math.floor(m) : undefined;
}

function capitalise(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function usageOf(prompt: number, completion: number, cached: number): Usage {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cached > 0 ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  } as Usage;
}

interface ToolPlan {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/**
 * Decides whether the simulated model calls a tool: when tools are offered (and `tool_choice`
 * is not `none`) and either a tool is forced/required or the last user message names a tool.
 * A conversation that ends with a tool result is answered in text unless a call is forced, as a
 * real model does after a tool round trip (so agent loops terminate). Arguments fill the schema's
 * required properties deterministically.
 */
function toolCallFor(
  body: Record<string, unknown>,
  prompt: PromptShape,
  seed: number,
): ToolPlan | undefined {
  const tools = body['tools'];
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const choice = body['tool_choice'];
  if (choice === 'none') return undefined;
  const forced = choice === 'required' || (typeof choice === 'object' && choice !== null);
  if (prompt.answersTool && !forced) return undefined;
  const lastUser = prompt.lastUser;
  const fns = (tools as Record<string, unknown>[])
    .map((t) => t?.['function'] as Record<string, unknown> | undefined)
    .filter((f): f is Record<string, unknown> => !!f && typeof f['name'] === 'string');
  let fn: Record<string, unknown> | undefined;
  if (choice && typeof choice === 'object') {
    const name = (choice as { function?: { name?: string } }).function?.name;
    fn = fns.find((f) => f['name'] === name);
  }
  const lower = lastUser.toLowerCase();
  fn ??= fns.find((f) => lower.includes(String(f['name']).toLowerCase()));
  if (!fn && choice === 'required') fn = fns[0];
  if (!fn) return undefined;
  const name = String(fn['name']);
  const params = (fn['parameters'] ?? {}) as Record<string, unknown>;
  const props = (params['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(params['required']) ? (params['required'] as string[]) : [];
  const args: Record<string, unknown> = {};
  for (const key of required) {
    const type = props[key]?.['type'];
    const en = props[key]?.['enum'];
    args[key] = Array.isArray(en)
      ? en[0]
      : type === 'number' || type === 'integer'
        ? 1
        : type === 'boolean'
          ? true
          : lastUser.slice(0, 32) || key;
  }
  const h = hash32(`${lastUser}|${name}`, seed).toString(36);
  return { id: `call_${h.padStart(8, '0')}`, name, args };
}
