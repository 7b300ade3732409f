import { Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import {
  ResponseStreamRenderer,
  responseItemList,
  sseEventFrame,
  OpenAIRequestError,
  toOpenAIError,
  validateInputItemsQuery,
  type ResponseStreamEvent,
} from '@dds/openai-schema';
import { CancelledError } from '@dds/scheduler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG } from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';
import { TranslatedRequests } from '../dispatch/translated-requests.service';
import { hintsFromHeaders, requestIdFrom } from '../http/request-hints';
import { SseStream } from '../http/sse-stream';
import { abortOnDisconnect } from './chat.controller';
import { ResponsesService } from './responses.service';

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, unknown> }>;

function frames(events: readonly ResponseStreamEvent[]): string {
  let out = '';
  for (const e of events) out += sseEventFrame(e.type, e);
  return out;
}

/**
 * The OpenAI Responses API (`/api/v1/responses` and `/v1/responses`): create (JSON, SSE events, or
 * `background`), retrieve, list input items, delete, cancel. Requests run on the chat path as
 * `@dds/openai-schema` translates them; state lives in {@link ResponsesService}.
 */
@Controller(['api/v1', 'v1'])
export class ResponsesController {
  private readonly maxBuffered: number;

  constructor(
    private readonly responses: ResponsesService,
    private readonly requests: TranslatedRequests,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.maxBuffered = config.server.max_buffered_bytes;
  }

  @Post('responses')
  @HttpCode(200)
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const started = performance.now();
    void reply.header('x-request-id', requestIdFrom(req.headers));
    const p = await this.responses.prepare(req.body, hintsFromHeaders(req.headers));
    if (p.req.background === true) {
      void reply.send(await this.responses.startBackground(p, started));
      return;
    }
    const abort = new AbortController();
    abortOnDisconnect(reply, abort);

    if (!p.prepared.stream) {
      try {
        const done = await this.requests.run('responses', p.prepared, abort.signal, started);
        void reply.send(await this.responses.completed(p, done));
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
      }
      return;
    }

    const sse = new SseStream(reply, abort, this.maxBuffered);
    const renderer = new ResponseStreamRenderer(p.base);
    try {
      const done = await this.requests.run('responses', p.prepared, abort.signal, started, (ev) => {
        const head = sse.opened ? '' : frames(renderer.start());
        sse.write(head + frames(renderer.output(ev)));
      });
      const head = sse.opened ? '' : frames(renderer.start());
      sse.end(head + frames(renderer.finish(done.final.finishReason, done.final.usage)));
      await this.responses.keep(p, renderer.response);
    } catch (err) {
      if (!sse.opened) {
        if (err instanceof CancelledError) return;
        throw err;
      }
      if (err instanceof CancelledError || sse.closed) {
        sse.end();
        return;
      }
      // Output already reached the client: the stream ends with response.failed, never silently.
      const e = toOpenAIError(err);
      sse.end(frames(renderer.fail({ code: e.code ?? e.type, message: e.message })));
      await this.responses.keep(p, renderer.response);
    }
  }

  @Get('responses/:id')
  async retrieve(@Req() req: IdRequest, @Res() reply: FastifyReply): Promise<void> {
    if (req.query['stream'] === 'true') {
      throw new OpenAIRequestError(
        'Streaming a stored response again is not supported by this gateway: retrieve it as JSON.',
        'stream',
        'unsupported_parameter',
      );
    }
    void reply.send((await this.responses.get(req.params.id)).response);
  }

  @Get('responses/:id/input_items')
  async inputItems(@Req() req: IdRequest, @Res() reply: FastifyReply): Promise<void> {
    const query = validateInputItemsQuery(req.query);
    const record = await this.responses.get(req.params.id);
    void reply.send(responseItemList(record.input, query));
  }

  @Delete('responses/:id')
  async remove(@Req() req: IdRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.responses.delete(req.params.id);
    void reply.send({ id: req.params.id, object: 'response', deleted: true });
  }

  @Post('responses/:id/cancel')
  @HttpCode(200)
  async cancel(@Req() req: IdRequest, @Res() reply: FastifyReply): Promise<void> {
    void reply.send(await this.responses.cancel(req.params.id));
  }
}
