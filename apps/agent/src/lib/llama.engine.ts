import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  EngineError,
  type ChatJob,
  type EmbeddingJob,
  type EmbeddingResult,
  type Engine,
  type EngineEvent,
} from '@dds/agent';
import type { Usage } from '@dds/protocol';
import type {
  ChatHistoryItem,
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import { loadNodeLlamaCpp } from './node-llama';

/** Options of {@link LlamaEngine.load}. */
export interface LlamaEngineOptions {
  /** Path of the GGUF file. */
  readonly modelPath: string;
  /** Concurrent requests: one context sequence (KV cache) each. */
  readonly slots: number;
  /** Context window per slot; default (and at most) the model's training context. */
  readonly contextSize?: number;
  /** CPU threads of llama.cpp. Set it: the default spins every core. */
  readonly threads: number;
  /** Serve embeddings (an embedding model) instead of chat. */
  readonly embedding?: boolean;
  /** `auto` picks CUDA/Vulkan/Metal when their binaries are installed; default `false` (CPU). */
  readonly gpu?: 'auto' | false | 'cuda' | 'vulkan' | 'metal';
  /** llama.cpp's own log lines. */
  readonly onLog?: (level: string, message: string) => void;
  /** Told when a cancelled request stopped, and how far it got. */
  readonly onCancelled?: (at: { phase: 'prefill' | 'decode'; completionTokens: number }) => void;
}

/** The GGUF file is missing or not a model llama.cpp can load. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/** Prompt tokens evaluated per step while prefilling: a cancel is seen between steps. */
const PREFILL_CHUNK = 64;

interface Slot {
  readonly sequence: LlamaContextSequence;
  busy: boolean;
}

interface SamplingParams {
  readonly maxTokens: number | undefined;
  readonly stop: readonly string[];
  readonly temperature: number;
  readonly topP: number | undefined;
  readonly seed: number | undefined;
}

/**
 * llama.cpp in this process through node-llama-cpp: slots are sequences of one context, the
 * prompt is the model's own chat template, tokens stream one by one, and a request whose prompt
 * extends what a slot already holds reuses that slot's KV cache (`cached_tokens`).
 */
export class LlamaEngine implements Engine {
  readonly name = 'llama';
  private readonly slots: Slot[];
  private readonly embedders: { context: LlamaEmbeddingContext; busy: boolean }[];
  private closed = false;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext | undefined,
    embedders: LlamaEmbeddingContext[],
    private readonly chatWrapper: ChatWrapper | undefined,
    private readonly onCancelled: LlamaEngineOptions['onCancelled'],
    /** Tokens one slot holds. */
    readonly contextSize: number,
    /** The model's name (`general.name`, else the file name). */
    readonly modelName: string,
  ) {
    this.slots = [];
    if (context) {
      for (let i = 0; i < context.totalSequences; i++) {
        this.slots.push({ sequence: context.getSequence(), busy: false });
      }
    }
    this.embedders = embedders.map((context) => ({ context, busy: false }));
  }

  /** Vector size of the embeddings (the model's embedding length). */
  get embeddingDimensions(): number {
    return this.model.embeddingVectorSize;
  }

  /** Loads the model and creates one sequence (or embedding context) per slot. */
  static async load(options: LlamaEngineOptions): Promise<LlamaEngine> {
    const path = options.modelPath;
    if (!existsSync(path)) throw new ModelLoadError(`model file not found: ${path}`);
    if (!statSync(path).isFile()) throw new ModelLoadError(`model path is not a file: ${path}`);
    const nlc = await loadNodeLlamaCpp();
    const llama = await nlc.getLlama({
      gpu: options.gpu ?? false,
      build: 'never',
      progressLogs: false,
      logLevel: nlc.LlamaLogLevel.warn,
      logger: (level, message) => options.onLog?.(level, message.trimEnd()),
    });
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path, ...(options.gpu ? {} : { gpuLayers: 0 }) });
    } catch (e) {
      await llama.dispose();
      throw new ModelLoadError(`cannot load model ${path}: ${(e as Error).message}`);
    }
    try {
      const train = model.trainContextSize;
      const size = Math.min(options.contextSize ?? train, train);
      const name = readName(model) ?? basename(path).replace(/\.gguf$/i, '');
      if (options.embedding) {
        const embedders: LlamaEmbeddingContext[] = [];
        for (let i = 0; i < options.slots; i++) {
          embedders.push(
            await model.createEmbeddingContext({ contextSize: size, threads: options.threads }),
          );
        }
        return new LlamaEngine(
          llama,
          model,
          undefined,
          embedders,
          undefined,
          options.onCancelled,
          size,
          name,
        );
      }
      const context = await model.createContext({
        sequences: options.slots,
        contextSize: size,
        threads: options.threads,
      });
      const wrapper = nlc.resolveChatWrapper(model);
      return new LlamaEngine(
        llama,
        model,
        context,
        [],
        wrapper,
        options.onCancelled,
        context.contextSize,
        name,
      );
    } catch (e) {
      await model.dispose();
      await llama.dispose();
      throw new ModelLoadError(`cannot create a context for ${path}: ${(e as Error).message}`);
    }
  }

  async *chat(job: ChatJob): AsyncGenerator<EngineEvent> {
    if (!this.context || !this.chatWrapper) {
      throw new EngineError(
        `${this.modelName} is an embedding model; it serves /v1/embeddings only`,
        'invalid_field',
        false,
      );
    }
    const params = samplingParams(job.body);
    const prompt = this.tokenizeChat(job.body['messages']);
    if (prompt.length >= this.contextSize) {
      throw new EngineError(
        `This model's maximum context length is ${this.contextSize} tokens; the messages have ${prompt.length}.`,
        'context_length_exceeded',
        false,
      );
    }
    const slot = this.takeSlot(prompt);
    let phase: 'prefill' | 'decode' = 'prefill';
    let completed = false;
    const out: Token[] = [];
    try {
      const seq = slot.sequence;
      // Keep what the slot already holds of this prompt; at least the last prompt token is
      // evaluated again, since its logits sample the first new token.
      const keep = Math.min(
        seq.compareContextTokens(prompt).firstDifferentIndex,
        prompt.length - 1,
      );
      if (seq.nextTokenIndex > keep) {
        await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
      }
      let at = keep;
      while (prompt.length - at > PREFILL_CHUNK) {
        throwIfAborted(job.signal);
        await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(at, at + PREFILL_CHUNK));
        at += PREFILL_CHUNK;
      }
      throwIfAborted(job.signal);
      const room = this.contextSize - prompt.length;
      const limit = Math.min(params.maxTokens ?? room, room);
      phase = 'decode';
      const holdBack = params.stop.reduce((m, s) => Math.max(m, s.length), 0);
      let emitted = 0;
      let finishReason = 'stop';
      let text = '';
      if (limit <= 0) finishReason = 'length';
      else {
        for await (const token of seq.evaluate(prompt.slice(at), {
          temperature: params.temperature,
          ...(params.topP !== undefined ? { topP: params.topP } : {}),
          ...(params.seed !== undefined ? { seed: params.seed } : {}),
        })) {
          out.push(token);
          // Leaving the loop stops decoding: nothing more is computed for this request.
          throwIfAborted(job.signal);
          text = this.model.detokenize(out);
          const hit = firstStop(text, params.stop, Math.max(0, emitted - holdBack));
          if (hit >= 0) {
            text = text.slice(0, hit);
            break;
          }
          let safe = text.length - holdBack;
          // A multi-byte character split over tokens detokenizes to U+FFFD until it completes.
          while (safe > emitted && text.charCodeAt(safe - 1) === 0xfffd) safe--;
          if (safe > emitted) {
            yield { type: 'text', text: text.slice(emitted, safe) };
            emitted = safe;
          }
          if (out.length >= limit) {
            finishReason = 'length';
            break;
          }
        }
      }
      if (text.length > emitted) yield { type: 'text', text: text.slice(emitted) };
      const usage: Usage = {
        prompt_tokens: prompt.length,
        completion_tokens: out.length,
        total_tokens: prompt.length + out.length,
        ...(keep > 0 ? { prompt_tokens_details: { cached_tokens: keep } } : {}),
      };
      completed = true;
      yield { type: 'final', finishReason, usage };
    } finally {
      slot.busy = false;
      // Thrown out by the abort, or left by a consumer that saw the cancel first.
      if (!completed && job.signal.aborted) {
        this.onCancelled?.({ phase, completionTokens: out.length });
      }
    }
  }

  async embed(job: EmbeddingJob): Promise<EmbeddingResult> {
    const embedder = this.embedders.find((e) => !e.busy);
    if (!embedder) {
      throw new EngineError(
        this.embedders.length === 0
          ? `${this.modelName} is a chat model; start the agent with --embedding for an embedding model`
          : 'no free embedding slot',
        this.embedders.length === 0 ? 'invalid_field' : 'engine_error',
        this.embedders.length !== 0,
      );
    }
    embedder.busy = true;
    try {
      const inputs = embeddingInputs(job.body['input']);
      const embeddings: number[][] = [];
      let tokens = 0;
      for (const input of inputs) {
        throwIfAborted(job.signal);
        const toks = typeof input === 'string' ? this.model.tokenize(input) : input;
        if (toks.length > this.contextSize) {
          throw new EngineError(
            `This model's maximum context length is ${this.contextSize} tokens; an input has ${toks.length}.`,
            'context_length_exceeded',
            false,
          );
        }
        tokens += toks.length;
        const e = await embedder.context.getEmbeddingFor(toks);
        embeddings.push([...e.vector]);
      }
      return {
        embeddings,
        usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens },
      };
    } finally {
      embedder.busy = false;
    }
  }

  /** Frees the contexts, the model and llama.cpp's backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.embedders) await e.context.dispose();
    await this.context?.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  /** The prompt's tokens in the model's chat template. */
  tokenizeChat(messages: unknown): Token[] {
    const history = toChatHistory(messages);
    const state = (this.chatWrapper as ChatWrapper).generateContextState({ chatHistory: history });
    return state.contextText.tokenize(this.model.tokenizer);
  }

  /** The free slot whose KV cache shares the longest prefix with `prompt`. */
  private takeSlot(prompt: Token[]): Slot {
    let best: Slot | undefined;
    let bestLen = -1;
    for (const s of this.slots) {
      if (s.busy) continue;
      const len = s.sequence.compareContextTokens(prompt).firstDifferentIndex;
      if (len > bestLen) {
        best = s;
        bestLen = len;
      }
    }
    // The agent's slot pool admits at most `slots` jobs, so one is always free.
    if (!best) throw new EngineError('no free slot', 'engine_error', true);
    best.busy = true;
    return best;
  }
}

function readName(model: LlamaModel): string | undefined {
  const general = model.fileInfo.metadata?.general as { name?: unknown } | undefined;
  return typeof general?.name === 'string' && general.name.trim() ? general.name.trim() : undefined;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
}

/** Index of the earliest stop sequence in `text` at or after `from`, or -1. */
function firstStop(text: string, stops: readonly string[], from: number): number {
  let hit = -1;
  for (const s of stops) {
    const i = text.indexOf(s, from);
    if (i >= 0 && (hit < 0 || i < hit)) hit = i;
  }
  return hit;
}

function invalid(message: string): EngineError {
  return new EngineError(message, 'invalid_field', false);
}

function finiteIn(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw invalid(`${name} must be a number in [${min}, ${max}]`);
  }
  return v;
}

/** The sampling parameters of an OpenAI chat request (already schema-validated by the gateway). */
export function samplingParams(body: Record<string, unknown>): SamplingParams {
  const max = body['max_completion_tokens'] ?? body['max_tokens'];
  if (max !== undefined && max !== null && (!Number.isInteger(max) || (max as number) < 1)) {
    throw invalid('max_tokens must be an integer >= 1');
  }
  const stopRaw = body['stop'];
  const stop =
    stopRaw === undefined || stopRaw === null
      ? []
      : typeof stopRaw === 'string'
        ? [stopRaw]
        : stopRaw;
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string')) {
    throw invalid('stop must be a string or an array of strings');
  }
  const seed = body['seed'];
  if (seed !== undefined && seed !== null && !Number.isSafeInteger(seed)) {
    throw invalid('seed must be an integer');
  }
  return {
    maxTokens: (max ?? undefined) as number | undefined,
    stop: (stop as string[]).filter((s) => s.length > 0),
    temperature: finiteIn(body['temperature'], 'temperature', 0, 2) ?? 1,
    topP: finiteIn(body['top_p'], 'top_p', 0, 1),
    // node-llama-cpp's seeds are unsigned 32-bit.
    seed:
      seed === undefined || seed === null
        ? undefined
        : Number(BigInt.asUintN(32, BigInt(seed as number))),
  };
}

/** Text of an OpenAI message content (a string or text parts). */
function contentText(content: unknown, at: number): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p: { type?: unknown; text?: unknown }) => {
        if (p && p.type === 'text' && typeof p.text === 'string') return p.text;
        throw invalid(`messages[${at}]: this model reads text parts only, got ${String(p?.type)}`);
      })
      .join('');
  }
  throw invalid(`messages[${at}].content must be a string or an array of parts`);
}

/**
 * OpenAI messages as node-llama-cpp's chat history, ending with the (empty) model turn to be
 * generated. Consecutive messages of one role are joined: chat templates expect turns to alternate.
 */
export function toChatHistory(messages: unknown): ChatHistoryItem[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('messages must be a non-empty array');
  }
  const items: ChatHistoryItem[] = [];
  messages.forEach((m: { role?: unknown; content?: unknown }, at) => {
    const text = contentText(m?.content, at);
    const role = m?.role;
    const last = items[items.length - 1];
    if (role === 'system' || role === 'developer') {
      if (last?.type === 'system') last.text += `\n${text}`;
      else items.push({ type: 'system', text });
    } else if (role === 'user' || role === 'tool' || role === 'function') {
      if (last?.type === 'user') last.text += `\n${text}`;
      else items.push({ type: 'user', text });
    } else if (role === 'assistant') {
      if (last?.type === 'model') last.response.push(text);
      else items.push({ type: 'model', response: [text] });
    } else {
      throw invalid(`messages[${at}].role must be system, developer, user, assistant or tool`);
    }
  });
  items.push({ type: 'model', response: [] });
  return items;
}

/** `input` of an embeddings request: strings, or token arrays. */
function embeddingInputs(input: unknown): (string | Token[])[] {
  const isTokens = (v: unknown): v is Token[] =>
    Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && t >= 0);
  if (typeof input === 'string') return [input];
  if (isTokens(input)) return [input];
  if (Array.isArray(input) && input.length > 0) {
    return input.map((v, i) => {
      if (typeof v === 'string' || isTokens(v)) return v;
      throw invalid(`input[${i}] must be a string or an array of token ids`);
    });
  }
  throw invalid('input must be a string, an array of strings or of token arrays');
}
