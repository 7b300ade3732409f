import { Injectable } from '@nestjs/common';
import {
  OpenAIError,
  OpenAIRequestError,
  type ChatCompletionRequest,
  type ValidationOptions,
} from '@dds/openai-schema';
import { CancelledError } from '@dds/scheduler';
import { MetricsService } from '../metrics/metrics.service';
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
 * `@dds/openai-schema` has translated them, and records their metrics under their own endpoint,
 * once per agent request: outcome, duration, time to first output and inter-output gaps.
 */
@Injectable()
export class TranslatedRequests {
  constructor(
    private readonly completions: CompletionService,
    private readonly metrics: MetricsService,
  ) {}

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
    const model = prepared.model;
    let last = 0;
    const observe = onOutput
      ? (ev: OutputEvent) => {
          if (ev.type === 'embedding') return;
          const now = performance.now();
          if (last === 0) this.metrics.ttft.observe({ model }, (now - started) / 1000);
          else this.metrics.itl.observe({ model }, (now - last) / 1000);
          last = now;
          onOutput(ev);
        }
      : undefined;
    try {
      const done = await this.completions.execute(prepared, signal, observe);
      this.metrics.requests.inc({ endpoint, model, agent: done.agentId, status: '200' });
      this.metrics.e2e.observe({ endpoint, model }, (performance.now() - started) / 1000);
      return done;
    } catch (err) {
      const status =
        err instanceof CancelledError ? 499 : err instanceof OpenAIError ? err.status : 500;
      this.metrics.requests.inc({ endpoint, model, agent: '', status: String(status) });
      throw err;
    }
  }
}

/** OpenAI-style bracket paths (`tools[0].function.name`) as Anthropic's dotted ones (`tools.0.name`). */
export function dottedPath(param: string): string {
  return param.replace(/\[(\d+)\]/g, '.$1');
}
