import type { ToolCall, ToolCallDelta, Usage } from './chat.types';

/**
 * One piece of an agent's chat answer as it streams in: a text delta, or a fragment of a tool call
 * (fragments of one call share `delta.index`). The renderers of the other APIs (Responses, legacy
 * completions, Anthropic Messages) turn these into their own events; the gateway's events from
 * `@dds/protocol` have this shape.
 */
export type ChatOutputEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool-call'; readonly delta: ToolCallDelta };

/** A complete (non-streamed) chat answer: the assistant's text and tool calls. */
export interface ChatAnswer {
  readonly content: string | null;
  readonly tool_calls?: readonly ToolCall[];
}

/** The chat usage an agent reports (`cached_tokens` when its prefix cache served some). */
export type ChatUsage = Pick<Usage, 'prompt_tokens' | 'completion_tokens' | 'total_tokens'> & {
  readonly prompt_tokens_details?: { readonly cached_tokens?: number };
};
