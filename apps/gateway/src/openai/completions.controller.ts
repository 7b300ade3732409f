import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  CompletionChunkBuilder,
  completionChatRequest,
  completionPrompts,
  SSE_DONE_FRAME,
  sseFrame,
  sumUsage,
  textCompletion,
  toOpenAIError,
  validateCompletionRequest,
} from '@dds/openai-schema';
import { CancelledError } from '@dds/scheduler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG } from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';
import type { Completion } from '../dispatch/completion.service';
import { TranslatedRequests } from '../dispatch/translated-requests.service';
import { hintsFromHeaders, requestIdFrom } from '../http/request-hints';
import { SseStream } from '../http/sse-stream';
import { abortOnDisconnect } from './chat.controller';

/** Chat parameter names as legacy completions call them. */
function completionsParam(chatParam: string): string {
  return chatParam === 'messages' || chatParam.startsWith('messages[') ? 'prompt' : chatParam;
}

/**
 * Runs all of `runs`; the first failure cancels the others (their answers would be thrown away)
 * and is what the caller sees.
 */
async function all(runs: Promise<Completion>[], abort: AbortController): Promise<Completion[]> {
  try {
    return await Promise.all(runs);
  } catch (err) {
    abort.abort(err);
    throw err;
  }
}

/**
 * OpenAI's legacy text completions (`/api/v1/completions` and `/v1/completions`): each prompt
 * becomes one chat-shaped agent request (run concurrently, one choice each), rendered back as a
 * `text_completion` or its SSE chunks.
 */
@Controller(['api/v1', 'v1'])
export class CompletionsController {
  private readonly maxBuffered: number;

  constructor(
    private readonly requests: TranslatedRequests,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.maxBuffered = config.server.max_buffered_bytes;
  }

  @Post('completions')
  @HttpCode(200)
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const started = performance.now();
    void reply.header('x-request-id', requestIdFrom(req.headers));
    const body = validateCompletionRequest(req.body, this.requests.validation);
    const hints = hintsFromHeaders(req.headers);
    const prompts = completionPrompts(body);
    const prepared = prompts.map((p) =>
      this.requests.prepare(completionChatRequest(body, p), hints, completionsParam),
    );
    const echo = body.echo === true;
    const abort = new AbortController();
    abortOnDisconnect(reply, abort);

    if (body.stream !== true) {
      try {
        const done = await all(
          prepared.map((p) => this.requests.run('completions', p, abort.signal, started)),
          abort,
        );
        void reply.send(
          textCompletion({
            model: body.model,
            choices: done.map((d, i) => ({
              text: (echo ? prompts[i] : '') + (d.collector.message().content ?? ''),
              finishReason: d.final.finishReason,
            })),
            usage: sumUsage(done.map((d) => d.final.usage)),
          }),
        );
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
      }
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunks = new CompletionChunkBuilder(body.model, includeUsage);
    const sse = new SseStream(reply, abort, this.maxBuffered);
    // The echoed prompts lead the stream, once it opens.
    const head = () =>
      sse.opened || !echo ? '' : prompts.map((p, i) => sseFrame(chunks.text(i, p))).join('');
    try {
      const done = await all(
        prepared.map((p, i) =>
          this.requests
            .run('completions', p, abort.signal, started, (ev) => {
              if (ev.type === 'text') sse.write(head() + sseFrame(chunks.text(i, ev.text)));
            })
            .then((d) => {
              sse.write(head() + sseFrame(chunks.finish(i, d.final.finishReason)));
              return d;
            }),
        ),
        abort,
      );
      const usage = includeUsage
        ? sseFrame(chunks.usage(sumUsage(done.map((d) => d.final.usage))))
        : '';
      sse.end(usage + SSE_DONE_FRAME);
    } catch (err) {
      if (!sse.opened) {
        if (err instanceof CancelledError) return;
        throw err;
      }
      // After output: an explicit error event (no [DONE]), as chat streams end.
      sse.end(
        err instanceof CancelledError || sse.closed ? '' : sseFrame(toOpenAIError(err).toBody()),
      );
    }
  }
}
