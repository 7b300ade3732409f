import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { OpenAIError, SSE_DONE_FRAME, sseFrame, toOpenAIError } from '@dds/openai-schema';
import { CancelledError } from '@dds/scheduler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG } from '../config/config.constants';
import type { GatewayConfig } from '../config/config.schema';
import { CompletionService } from '../dispatch/completion.service';
import { ChunkBuilder } from '../dispatch/response-assembler';
import { hintsFromHeaders, requestIdFrom } from '../http/request-hints';
import { MetricsService } from '../metrics/metrics.service';

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
 * Counts a request that failed before any output (499 when the client went away) and rethrows
 * the error for the exception filter, unless the client is gone and nothing is left to answer.
 */
export function countFailure(
  metrics: MetricsService,
  endpoint: 'chat' | 'embeddings',
  model: string,
  err: unknown,
): void {
  const status =
    err instanceof CancelledError ? 499 : err instanceof OpenAIError ? err.status : 500;
  metrics.requests.inc({ endpoint, model, agent: '', status: String(status) });
  if (err instanceof CancelledError) return;
  throw err;
}

/** `POST /api/v1/chat/completions` (and `/v1/...`): JSON or SSE. */
@Controller(['api/v1', 'v1'])
export class ChatController {
  constructor(
    private readonly completions: CompletionService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
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
        const done = await this.completions.execute(prepared, abort.signal);
        const body = done.collector.chat(model, done.final.finishReason, done.final.usage);
        // Non-streamed answers carry no final chunk: the header says it moved between agents.
        if (done.resumes) void reply.header('x-dds-llm-resumed', String(done.resumes));
        this.metrics.requests.inc({ endpoint: 'chat', model, agent: done.agentId, status: '200' });
        this.metrics.e2e.observe({ endpoint: 'chat', model }, (performance.now() - started) / 1000);
        void reply.send(body);
      } catch (err) {
        countFailure(this.metrics, 'chat', model, err);
      }
      return;
    }

    const raw = reply.raw;
    const chunks = new ChunkBuilder(model, prepared.includeUsage);
    let open = false;
    let last = 0;
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
      const done = await this.completions.execute(prepared, abort.signal, (ev) => {
        if (ev.type === 'embedding') return;
        const now = performance.now();
        if (!open) {
          openStream();
          this.metrics.ttft.observe({ model }, (now - started) / 1000);
        } else {
          this.metrics.itl.observe({ model }, (now - last) / 1000);
        }
        last = now;
        let frames = '';
        for (const chunk of chunks.output(ev)) frames += sseFrame(chunk);
        raw.write(frames);
        if (raw.writableLength > this.maxBuffered) {
          // The client stopped reading: drop it (and cancel at the agent) rather than buffer.
          abort.abort(new Error('client too slow'));
          raw.destroy();
        }
      });
      if (!open) openStream();
      let frames = '';
      for (const chunk of chunks.finish(done.final.finishReason, done.final.usage, done.resumes)) {
        frames += sseFrame(chunk);
      }
      raw.end(frames + SSE_DONE_FRAME);
      this.metrics.requests.inc({ endpoint: 'chat', model, agent: done.agentId, status: '200' });
      this.metrics.e2e.observe({ endpoint: 'chat', model }, (performance.now() - started) / 1000);
    } catch (err) {
      if (!open) {
        countFailure(this.metrics, 'chat', model, err);
        return;
      }
      // Output already reached the client: never a silent truncation, an explicit error event.
      if (!(err instanceof CancelledError) && !raw.writableEnded) {
        const error = toOpenAIError(err);
        this.metrics.requests.inc({
          endpoint: 'chat',
          model,
          agent: '',
          status: String(error.status),
        });
        raw.end(sseFrame(error.toBody()));
      } else if (!raw.writableEnded) {
        raw.end();
      }
    }
  }
}
