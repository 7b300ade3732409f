import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  anthropicChatRequest,
  anthropicMessage,
  AnthropicStreamRenderer,
  sseEventFrame,
  validateAnthropicMessageRequest,
  type AnthropicStreamEvent,
} from '@dds/openai-schema';
import { CancelledError } from '@dds/scheduler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG } from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';
import { dottedPath, TranslatedRequests } from '../dispatch/translated-requests.service';
import { hintsFromHeaders, requestIdFrom } from '../http/request-hints';
import { SseStream } from '../http/sse-stream';
import { abortOnDisconnect } from '../openai/chat.controller';

/** Chat parameter names as the Messages API calls them (dotted paths). */
function messagesParam(chatParam: string): string {
  if (chatParam.startsWith('messages')) return 'messages';
  if (chatParam === 'stop' || chatParam.startsWith('stop[')) return 'stop_sequences';
  return dottedPath(chatParam.replace(/^tools\[(\d+)\]\.function\./, 'tools[$1].'));
}

function frames(events: readonly AnthropicStreamEvent[]): string {
  let out = '';
  for (const e of events) out += sseEventFrame(e.type, e);
  return out;
}

/**
 * Anthropic's Messages API (`/v1/messages` and `/api/v1/messages`) for Anthropic-SDK clients and
 * coding agents: translated onto the chat path by `@dds/openai-schema`, answered as a `message`
 * or Anthropic's event stream. Errors on these routes are in Anthropic's shape (the exception
 * filter and the API-key hook see the route), and `x-api-key` is accepted as the key.
 */
@Controller(['v1', 'api/v1'])
export class MessagesController {
  private readonly maxBuffered: number;

  constructor(
    private readonly requests: TranslatedRequests,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.maxBuffered = config.server.max_buffered_bytes;
  }

  @Post('messages')
  @HttpCode(200)
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers);
    void reply.header('x-request-id', requestId).header('request-id', requestId);
    const body = validateAnthropicMessageRequest(req.body, this.requests.validation);
    const prepared = this.requests.prepare(
      anthropicChatRequest(body),
      hintsFromHeaders(req.headers),
      messagesParam,
    );
    const abort = new AbortController();
    abortOnDisconnect(reply, abort);

    if (!prepared.stream) {
      try {
        const done = await this.requests.run('messages', prepared, abort.signal, started);
        void reply.send(
          anthropicMessage({
            model: body.model,
            answer: done.collector.message(),
            finishReason: done.final.finishReason,
            usage: done.final.usage,
          }),
        );
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
      }
      return;
    }

    const sse = new SseStream(reply, abort, this.maxBuffered);
    const renderer = new AnthropicStreamRenderer(body.model);
    try {
      const done = await this.requests.run('messages', prepared, abort.signal, started, (ev) => {
        const head = sse.opened ? '' : frames(renderer.start());
        sse.write(head + frames(renderer.output(ev)));
      });
      const head = sse.opened ? '' : frames(renderer.start());
      sse.end(head + frames(renderer.finish(done.final.finishReason, done.final.usage)));
    } catch (err) {
      if (!sse.opened) {
        if (err instanceof CancelledError) return;
        throw err;
      }
      // Output already reached the client: an explicit `error` event, never a silent end.
      sse.end(err instanceof CancelledError || sse.closed ? '' : frames(renderer.fail(err)));
    }
  }
}
