import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { EncodingFormat } from '@dds/openai-schema';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CompletionService } from '../dispatch/completion.service';
import { hintsFromHeaders, requestIdFrom } from '../http/request-hints';
import { abortOnDisconnect, rethrowUnlessCancelled } from './chat.controller';

/** `POST /api/v1/embeddings` (and `/v1/...`), float or base64. */
@Controller(['api/v1', 'v1'])
export class EmbeddingsController {
  constructor(private readonly completions: CompletionService) {}

  @Post('embeddings')
  @HttpCode(200)
  async create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers);
    void reply.header('x-request-id', requestId);
    const prepared = this.completions.prepareEmbedding(req.body, {
      ...hintsFromHeaders(req.headers),
      requestId,
    });
    const abort = new AbortController();
    abortOnDisconnect(reply, abort);
    try {
      const done = await this.completions.execute(prepared, abort.signal, {
        endpoint: 'embeddings',
        startedAt: started,
      });
      const format = (prepared.body['encoding_format'] as EncodingFormat | undefined) ?? 'float';
      const body = done.collector.embedding(prepared.model, format, done.final.usage);
      void reply.send(body);
    } catch (err) {
      rethrowUnlessCancelled(err);
    }
  }
}
