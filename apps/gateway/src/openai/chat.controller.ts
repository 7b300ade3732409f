import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { SSE_DONE_FRAME, sseFrame, toOpenAIError } from '@dds/openai-schema';
import { CancelledError } from '@dds/scheduler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG } from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';
import { CompletionService } from '../dispatch/completion.service';
import { ChunkBuilder } from '../dispatch/response-assembler';
import { hintsFromHeaders, requestIdFrom } from '../http/request-hints';
import type { OutputEvent } from '../dispatch/gateway-job';

/** Aborts `controller` when the client goes away before the response is complete. */
export function abortOnDisconnect(reply: FastifyReply, controller: AbortController): () => void {
  const raw = reply.raw;
  const onClose = () => {
    if (!raw.writableFinished) controller.abort(new Error('client disconnected'));
  };
  raw.once('close', onClose);
  return () => raw.off('close', onClose);
}

/**
 * Rethrows a failed request's error for the exception filter, unless the client is gone and
 * nothing is left to answer (the request path has counted it either way).
 */
export function rethrowUnlessCancelled(err: unknown): void {
  if (err instanceof CancelledError) return;
  throw err;
}

/** `POST /api/v1/chat/completions` (and `/v1/...`): JSON or SSE. */
@Controller(['api/v1', 'v1'])
export class ChatController {
  constructor(
    private readonly completions: CompletionService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.maxBuffered = config.server.max_buffered_bytes;
  }

  private readonly maxBuffered: number;

  @Post('chat/completions')
  @HttpCode(200)
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers);
    void reply.header('x-request-id', requestId);
    const prepared = this.completions.prepareChat(req.body, {
      ...hintsFromHeaders(req.headers),
      requestId,
    });
    const abort = new AbortController();
    abortOnDisconnect(reply, abort);
    const model = prepared.model;

    if (!prepared.stream) {
      try {
        const done = await this.completions.execute(prepared, abort.signal, {
          endpoint: 'chat',
          startedAt: started,
        });
        const body = done.collector.chat(model, done.final.finishReason, done.final.usage);
        // Non-streamed answers carry no final chunk: the header says it moved between agents.
        if (done.resumes) void reply.header('x-dds-llm-resumed', String(done.resumes));
        void reply.send(body);
      } catch (err) {
        rethrowUnlessCancelled(err);
      }
      return;
    }

    const raw = reply.raw;
    const chunks = new ChunkBuilder(model, prepared.includeUsage);
    let open = false;
    const openStream = () => {
      open = true;
      reply.hijack();
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
    };
    try {
      const onOutput = (ev: OutputEvent) => {
        if (ev.type === 'embedding') return;
        if (!open) openStream();
        let frames = '';
        for (const chunk of chunks.output(ev)) frames += sseFrame(chunk);
        raw.write(frames);
        if (raw.writableLength > this.maxBuffered) {
          // The client stopped reading: drop it (and cancel at the agent) rather than buffer.
          abort.abort(new Error('client too slow'));
          raw.destroy();
        }
      };
      const done = await this.completions.execute(prepared, abort.signal, {
        endpoint: 'chat',
        startedAt: started,
        onOutput,
      });
      if (!open) openStream();
      let frames = '';
      for (const chunk of chunks.finish(done.final.finishReason, done.final.usage, done.resumes)) {
        frames += sseFrame(chunk);
      }
      raw.end(frames + SSE_DONE_FRAME);
    } catch (err) {
      if (!open) {
        rethrowUnlessCancelled(err);
        return;
      }
      // Output already reached the client: never a silent truncation, an explicit error event.
      if (!(err instanceof CancelledError) && !raw.writableEnded) {
        raw.end(sseFrame(toOpenAIError(err).toBody()));
      } else if (!raw.writableEnded) {
        raw.end();
      }
    }
  }
}
