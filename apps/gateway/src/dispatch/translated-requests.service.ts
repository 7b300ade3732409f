import { Injectable } from '@nestjs/common';
import {
  OpenAIRequestError,
  type ChatCompletionRequest,
  type ValidationOptions,
} from '@dds/openai-schema';
import {
  CompletionService,
  type Completion,
  type PreparedRequest,
  type RequestHints,
} from './completion.service';
import type { OutputEvent } from './gateway-job';

/** The API surfaces that reach agents through a chat-shaped translation. */
export type TranslatedEndpoint = 'responses' | 'completions' | 'messages';

/** Renames a chat parameter (`messages`, `tools[0].function.name`) to the client's own field. */
export type ParamRenamer = (chatParam: string) => string;

/** Streamed output of one translated request, with the agent that produced it. */
export type TranslatedOutput = (ev: Exclude<OutputEvent, { type: 'embedding' }>) => void;

/**
 * Runs requests of the Responses, legacy completions and Anthropic Messages APIs on the chat
 * request path (limits, session context, scheduler, selector, DDS/HTTP agent) once
 * `@dds/openai-schema` has translated them. Their metrics are recorded under their own endpoint
 * by the request path ({@link CompletionService.execute}), once per agent request.
 */
@Injectable()
export class TranslatedRequests {
  constructor(private readonly completions: CompletionService) {}

  /** The limits each API's own validator applies first (nesting depth), as chat's does. */
  get validation(): ValidationOptions {
    return this.completions.validation;
  }

  /**
   * Validates the translated body with the chat rules and the gateway's limits. A refusal names
   * the client's own field (via `rename`), not the chat field it became.
   */
  prepare(chat: ChatCompletionRequest, hints: RequestHints, rename: ParamRenamer): PreparedRequest {
    try {
      return this.completions.prepareChat(chat, hints);
    } catch (err) {
      if (!(err instanceof OpenAIRequestError) || err.param === null) throw err;
      if (err.param.startsWith('x-')) throw err;
      const param = rename(err.param);
      if (param === err.param) throw err;
      let message = err.message.split(`'${err.param}'`).join(`'${param}'`);
      if (message.startsWith(`${err.param} `)) message = param + message.slice(err.param.length);
      throw new OpenAIRequestError(message, param, err.code);
    }
  }

  /**
   * Runs one prepared request. With `onOutput`, output streams through it (and a failure after
   * the first output is final); without, the answer is collected and may be retried whole.
   * Rejects with an {@link OpenAIError}, or {@link CancelledError} when `signal` aborted it.
   */
  async run(
    endpoint: TranslatedEndpoint,
    prepared: PreparedRequest,
    signal: AbortSignal,
    started: number,
    onOutput?: TranslatedOutput,
  ): Promise<Completion> {
    return this.completions.execute(prepared, signal, {
      endpoint,
      startedAt: started,
      // Chat answers carry no embeddings: only text and tool-call deltas reach the API.
      ...(onOutput ? { onOutput: (ev) => ev.type !== 'embedding' && onOutput(ev) } : {}),
    });
  }
}

/** OpenAI-style bracket paths (`tools[0].function.name`) as Anthropic's dotted ones (`tools.0.name`). */
export function dottedPath(param: string): string {
  return param.replace(/\[(\d+)\]/g, '.$1');
}
