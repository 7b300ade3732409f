/**
 * OpenAI's legacy text completions (`POST /v1/completions`): request, `text_completion` object and
 * its streamed chunks, as the `openai` SDK's `completions.create` exchanges them.
 */
import type { FinishReason, Usage } from './chat.types';

/** A validated `POST /v1/completions` body (unknown fields kept at runtime). */
export type CompletionRequest = {
  model: string;
  /** One prompt, or several (one choice each). Token-id prompts are not served. */
  prompt: string | string[];
  /** Positive integer; OpenAI's default is 16. */
  max_tokens?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
  /** Echo the prompt before the completion. */
  echo?: boolean | null;
  stop?: string | string[] | null;
  temperature?: number | null;
  top_p?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  user?: string | null;
  logit_bias?: Record<string, number> | null;
  /** Only 1 (one completion per prompt) is served. */
  n?: number | null;
  /** Only 1 is served. */
  best_of?: number | null;
  /** Not served (must be absent, null or 0). */
  logprobs?: number | null;
  /** Not served (must be absent, null or empty). */
  suffix?: string | null;
};

/** One choice of a `text_completion`. */
export interface CompletionChoice {
  text: string;
  index: number;
  logprobs: null;
  finish_reason: FinishReason | null;
}

/**
 * A `text_completion` body, and each streamed chunk (same object type; chunks carry deltas and
 * `finish_reason: null` until the last of each choice).
 */
export interface TextCompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: CompletionChoice[];
  usage?: Usage | null;
  system_fingerprint?: string;
}
