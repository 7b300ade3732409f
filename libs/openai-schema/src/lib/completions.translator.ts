import type { ChatCompletionRequest, FinishReason, Usage } from './chat.types';
import type { ChatUsage } from './chat-output.types';
import type { CompletionRequest, TextCompletion } from './completions.types';
import { randomId, unixSeconds } from './response.builders';

/** OpenAI's default `max_tokens` for legacy completions (chat has none). */
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;

/** A fresh completion id, `cmpl-` plus 29 base62 characters. */
export function newCompletionId(): string {
  return `cmpl-${randomId(29)}`;
}

/** The prompts of a (validated) request, one per choice. */
export function completionPrompts(req: CompletionRequest): string[] {
  return typeof req.prompt === 'string' ? [req.prompt] : req.prompt;
}

/**
 * The chat-shaped agent request for one prompt: the prompt as the one user message, `max_tokens`
 * (default {@link DEFAULT_COMPLETION_MAX_TOKENS}), and the sampling fields that mean the same in chat.
 */
export function completionChatRequest(
  req: CompletionRequest,
  prompt: string,
): ChatCompletionRequest {
  const chat: ChatCompletionRequest = {
    model: req.model,
    messages: [{ role: 'user', content: prompt }],
    max_tokens: req.max_tokens ?? DEFAULT_COMPLETION_MAX_TOKENS,
  };
  if (req.stream === true) chat.stream = true;
  if (req.stop !== undefined && req.stop !== null) chat.stop = req.stop;
  if (typeof req.temperature === 'number') chat.temperature = req.temperature;
  if (typeof req.top_p === 'number') chat.top_p = req.top_p;
  if (typeof req.presence_penalty === 'number') chat.presence_penalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number') chat.frequency_penalty = req.frequency_penalty;
  if (typeof req.seed === 'number') chat.seed = req.seed;
  if (typeof req.user === 'string') chat.user = req.user;
  if (req.logit_bias) chat.logit_bias = req.logit_bias;
  return chat;
}

/** Sums the usage of several agent requests (one per prompt). */
export function sumUsage(usages: readonly ChatUsage[]): Usage {
  let prompt = 0;
  let completion = 0;
  let cached = 0;
  for (const u of usages) {
    prompt += u.prompt_tokens;
    completion += u.completion_tokens;
    cached += u.prompt_tokens_details?.cached_tokens ?? 0;
  }
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cached > 0 ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
}

/** Inputs of {@link textCompletion}. */
export interface TextCompletionInit {
  readonly model: string;
  /** One per prompt, in prompt order. */
  readonly choices: ReadonlyArray<{ readonly text: string; readonly finishReason: string }>;
  readonly usage: Usage;
  /** Defaults to a fresh {@link newCompletionId}. */
  readonly id?: string;
  /** Unix seconds; defaults to now. */
  readonly created?: number;
}

/** A non-streamed `text_completion` body. */
export function textCompletion(init: TextCompletionInit): TextCompletion {
  return {
    id: init.id ?? newCompletionId(),
    object: 'text_completion',
    created: init.created ?? unixSeconds(),
    model: init.model,
    choices: init.choices.map((c, index) => ({
      text: c.text,
      index,
      logprobs: null,
      finish_reason: c.finishReason as FinishReason,
    })),
    usage: init.usage,
  };
}

/**
 * Builds the chunks of a streamed completion (all share `id`, `created` and `model`): text deltas
 * per choice, a last chunk per choice with its `finish_reason`, and with `include_usage` a final
 * chunk with `choices: []` and the usage (`usage: null` on the others), before `[DONE]`.
 */
export class CompletionChunkBuilder {
  readonly id = newCompletionId();
  private readonly created = unixSeconds();

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  /** A text delta of choice `index`. */
  text(index: number, text: string): TextCompletion {
    return this.chunk(index, text, null);
  }

  /** The last chunk of choice `index`. */
  finish(index: number, finishReason: string): TextCompletion {
    return this.chunk(index, '', finishReason as FinishReason);
  }

  /** The usage chunk (only when `include_usage` was asked for). */
  usage(usage: Usage): TextCompletion {
    return { ...this.base(), choices: [], usage };
  }

  private chunk(index: number, text: string, finish: FinishReason | null): TextCompletion {
    const c: TextCompletion = {
      ...this.base(),
      choices: [{ text, index, logprobs: null, finish_reason: finish }],
    };
    if (this.includeUsage) c.usage = null;
    return c;
  }

  private base(): Omit<TextCompletion, 'choices'> {
    return { id: this.id, object: 'text_completion', created: this.created, model: this.model };
  }
}
