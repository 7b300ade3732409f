import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  InvalidResponseTransitionError,
  isTerminalStatus,
  ResponseNotFoundError,
  responseConversation,
  type ResponseStore,
  type StoredResponse,
} from '@dds/context';
import {
  completedResponse,
  failedResponse,
  NotFoundError,
  OpenAIRequestError,
  referencedItemIds,
  responseChatRequest,
  responseInputItems,
  responseItemsToMessages,
  responseObject,
  toOpenAIError,
  validateResponseRequest,
  type ResponseCreateRequest,
  type ResponseObject,
  type ResponseStoredItem,
} from '@dds/openai-schema';
import { CancelledError } from '@dds/scheduler';
import type { Logger } from 'pino';
import { GATEWAY_LOGGER, RESPONSE_STORE } from '../app/core.tokens';
import type { Completion, PreparedRequest, RequestHints } from '../dispatch/completion.service';
import { TranslatedRequests } from '../dispatch/translated-requests.service';

/** A validated Responses request, translated and ready to run. */
export interface PreparedResponse {
  readonly req: ResponseCreateRequest;
  readonly prepared: PreparedRequest;
  /** The response before output (`queued` for background, else `in_progress`). */
  readonly base: ResponseObject;
  /** The conversation the model sees: the previous response's, then this input. */
  readonly context: readonly ResponseStoredItem[];
  /** Whether the finished response is kept (`store`, default true). */
  readonly store: boolean;
}

/** Chat parameter names as the Responses API calls them, for refusals of translated bodies. */
function responsesParam(chatParam: string): string {
  if (chatParam === 'messages' || chatParam.startsWith('messages[')) return 'input';
  if (chatParam === 'max_tokens') return 'max_output_tokens';
  if (chatParam.startsWith('response_format')) return 'text.format';
  return chatParam.replace(/^tools\[(\d+)\]\.function\./, 'tools[$1].');
}

/**
 * The Responses API's state on top of the chat request path: builds each request's conversation
 * from the store (`previous_response_id`, `item_reference`), stores finished responses, runs
 * `background` responses detached from their HTTP request and cancels them at the agent.
 */
@Injectable()
export class ResponsesService implements OnApplicationShutdown {
  /** Running background responses of this gateway, by response id. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    @Inject(RESPONSE_STORE) private readonly store: ResponseStore,
    private readonly requests: TranslatedRequests,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  /** Validates and translates a `POST /v1/responses` body. Throws 400s naming the field. */
  async prepare(body: unknown, hints: RequestHints): Promise<PreparedResponse> {
    const req = validateResponseRequest(body, this.requests.validation);
    let history: ResponseStoredItem[] = [];
    const prevId = req.previous_response_id;
    if (typeof prevId === 'string') {
      const prev = await this.store.get(prevId);
      if (!prev) {
        throw new OpenAIRequestError(
          `Previous response with id '${prevId}' not found.`,
          'previous_response_id',
          'previous_response_not_found',
        );
      }
      if (!isTerminalStatus(prev.response.status)) {
        throw new OpenAIRequestError(
          `Previous response '${prevId}' is still ${prev.response.status}: wait for it to finish.`,
          'previous_response_id',
          'invalid_value',
        );
      }
      history = responseConversation(prev);
    }
    const refs = new Map<string, ResponseStoredItem>();
    for (const id of referencedItemIds(req)) {
      const item = await this.store.item(id);
      if (item) refs.set(id, item);
    }
    const input = responseInputItems(req, (id) => refs.get(id));
    const context = history.length ? [...history, ...input] : input;
    const chat = responseChatRequest(req, responseItemsToMessages(context, req.instructions));
    const prepared = this.requests.prepare(chat, hints, responsesParam);
    const base = responseObject(req, {
      status: req.background === true ? 'queued' : 'in_progress',
    });
    return { req, prepared, base, context, store: req.store !== false };
  }

  /** The finished response of a completed run, stored when asked. */
  async completed(p: PreparedResponse, done: Completion): Promise<ResponseObject> {
    const response = completedResponse(
      p.base,
      done.collector.message(),
      done.final.finishReason,
      done.final.usage,
    );
    if (p.store) await this.store.put({ response, input: p.context });
    return response;
  }

  /** Stores a finished (streamed) response when asked. */
  async keep(p: PreparedResponse, response: ResponseObject): Promise<void> {
    if (p.store) await this.store.put({ response, input: p.context });
  }

  /**
   * Starts a background response: stores it `queued`, runs it detached from the HTTP request
   * (the client polls `GET /v1/responses/{id}`), and settles the stored record as `completed`,
   * `incomplete` or `failed`, unless {@link cancel} got there first.
   */
  async startBackground(p: PreparedResponse, started: number): Promise<ResponseObject> {
    await this.store.put({ response: p.base, input: p.context });
    const abort = new AbortController();
    this.running.set(p.base.id, abort);
    void this.runBackground(p, abort, started).finally(() => this.running.delete(p.base.id));
    return p.base;
  }

  private async runBackground(
    p: PreparedResponse,
    abort: AbortController,
    started: number,
  ): Promise<void> {
    const id = p.base.id;
    let next: ResponseObject;
    try {
      // Cancelled while queued: never reaches an agent.
      if (!(await this.settle({ ...p.base, status: 'in_progress' }))) return;
      const done = await this.requests.run('responses', p.prepared, abort.signal, started);
      next = completedResponse(
        { ...p.base, status: 'in_progress' },
        done.collector.message(),
        done.final.finishReason,
        done.final.usage,
      );
    } catch (err) {
      if (err instanceof CancelledError) return;
      const e = toOpenAIError(err);
      next = failedResponse(p.base, { code: e.code ?? e.type, message: e.message });
    }
    if (!(await this.settle(next))) {
      this.logger.debug({ response: id }, 'background response settled elsewhere (cancelled)');
    }
  }

  /** Stores a status change; false when the stored status no longer allows it (or it is gone). */
  private async settle(next: ResponseObject): Promise<boolean> {
    try {
      await this.store.transition(next);
      return true;
    } catch (err) {
      if (err instanceof InvalidResponseTransitionError) return false;
      if (err instanceof ResponseNotFoundError) return false;
      throw err;
    }
  }

  /** A stored response, or a 404. */
  async get(id: string): Promise<StoredResponse> {
    const record = await this.store.get(id);
    if (!record) throw notFound(id);
    return record;
  }

  /** Deletes a stored response (cancelling it first when it is still running in background). */
  async delete(id: string): Promise<void> {
    this.running.get(id)?.abort(new Error('response deleted'));
    if (!(await this.store.delete(id))) throw notFound(id);
  }

  /**
   * Cancels a background response that is `queued` or `in_progress` (the agent stops generating);
   * cancelling it again answers the cancelled response.
   */
  async cancel(id: string): Promise<ResponseObject> {
    const record = await this.get(id);
    const r = record.response;
    if (!r.background) {
      throw new OpenAIRequestError(
        'Only responses created with background: true can be cancelled.',
        null,
        'invalid_request',
      );
    }
    if (r.status === 'cancelled') return r;
    if (isTerminalStatus(r.status)) {
      throw new OpenAIRequestError(
        `Cannot cancel a response whose status is ${r.status}.`,
        null,
        'invalid_request',
      );
    }
    const cancelled: ResponseObject = { ...r, status: 'cancelled' };
    if (!(await this.settle(cancelled))) return (await this.get(id)).response;
    this.running.get(id)?.abort(new Error('response cancelled'));
    return cancelled;
  }

  onApplicationShutdown(): void {
    for (const abort of this.running.values()) abort.abort(new Error('gateway shutting down'));
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`Response with id '${id}' not found.`);
}
