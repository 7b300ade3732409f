import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  AuthenticationError,
  OpenAIError,
  OpenAIRequestError,
  toOpenAIError,
  type ErrorBody,
} from '@dds/openai-schema';
import type { AgentRegistry } from '@dds/registry';
import { CancelledError } from '@dds/scheduler';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { AGENT_REGISTRY, GATEWAY_CONFIG, GATEWAY_LOGGER } from '../app/core.tokens';
import type { GatewayConfig } from '../config/config.schema';
import { GatewayDirectory } from '../dashboard/gateway-directory.service';
import { RequestFeed } from '../dashboard/request-feed.service';
import { CompletionService } from '../dispatch/completion.service';
import { ChunkBuilder } from '../dispatch/response-assembler';
import { agentListing } from '../fleet/agents.controller';
import { ApiKeyVerifier } from '../http/api-key.verifier';

/** The WebSocket endpoint's path. */
export const WS_PATH = '/api/v1/ws';
/** Requests one socket may have running at once. */
export const MAX_REQUESTS_PER_SOCKET = 256;
/** Client-chosen request ids: printable ASCII, short enough to echo in every frame. */
const ID_PATTERN = /^[\x20-\x7e]{1,128}$/;

/** Channels a socket may subscribe to. */
export const CHANNELS = ['agents', 'metrics', 'requests', 'gateways'] as const;
type Channel = (typeof CHANNELS)[number];

function isChannel(v: unknown): v is Channel {
  return typeof v === 'string' && (CHANNELS as readonly string[]).includes(v);
}

interface SocketState {
  readonly running: Map<string, AbortController>;
  readonly channels: Map<Channel, Subscription>;
}

/**
 * `GET /api/v1/ws`: many chat requests multiplexed on one socket, cancel, and a live feed of
 * fleet changes. The protocol is documented in the README ("WebSocket protocol"). Built on `ws`
 * attached to the Fastify server's `upgrade` event.
 */
@Injectable()
export class ChatSocketServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private wss: WebSocketServer | undefined;
  private readonly keys: ApiKeyVerifier;
  private readonly logger: Logger;
  private onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly completions: CompletionService,
    private readonly feed: RequestFeed,
    private readonly gateways: GatewayDirectory,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    @Inject(GATEWAY_LOGGER) logger: Logger,
  ) {
    this.keys = new ApiKeyVerifier(config.server.api_keys);
    this.logger = logger.child({ component: 'ws' });
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as import('node:http').Server;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.config.server.body_limit });
    this.onUpgrade = (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://gateway');
      if (url.pathname !== WS_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const key = url.searchParams.get('api_key');
      const authorization = req.headers.authorization ?? (key ? `Bearer ${key}` : undefined);
      if (!this.keys.verify(authorization)) {
        const body = JSON.stringify(new AuthenticationError().toBody());
        socket.end(
          `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        return;
      }
      this.wss?.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    };
    server.on('upgrade', this.onUpgrade);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as
      import('node:http').Server | undefined;
    if (this.onUpgrade) server?.off('upgrade', this.onUpgrade);
    if (!this.wss) return;
    for (const ws of this.wss.clients) ws.close(1001, 'gateway shutting down');
    await new Promise<void>((resolve) => this.wss?.close(() => resolve()));
  }

  private send(ws: WebSocket, frame: unknown): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify(frame));
    // A client that stopped reading is dropped (closing cancels its requests) rather than buffered.
    if (ws.bufferedAmount > this.config.server.max_buffered_bytes) ws.terminate();
  }

  private accept(ws: WebSocket): void {
    const state: SocketState = { running: new Map(), channels: new Map() };
    ws.on('message', (data, isBinary) => this.onMessage(ws, state, data, isBinary));
    ws.on('error', (err) => {
      this.logger.debug({ err }, 'socket error');
      ws.terminate();
    });
    ws.on('close', () => {
      // The client is gone: every request it started is cancelled at its agent.
      for (const c of state.running.values()) c.abort(new Error('socket closed'));
      state.running.clear();
      for (const sub of state.channels.values()) sub.unsubscribe();
      state.channels.clear();
    });
  }

  private onMessage(ws: WebSocket, state: SocketState, data: RawData, isBinary: boolean): void {
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(data.toString());
    } catch {
      this.send(
        ws,
        errorFrame(
          null,
          new OpenAIRequestError('Frames must be JSON text.', null, 'invalid_frame'),
        ),
      );
      return;
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      this.send(
        ws,
        errorFrame(
          null,
          new OpenAIRequestError('A frame must be a JSON object.', null, 'invalid_frame'),
        ),
      );
      return;
    }
    const f = frame as Record<string, unknown>;
    const id = f['id'];
    const idOk = typeof id === 'string' && ID_PATTERN.test(id);
    switch (f['type']) {
      case 'chat.completions.create':
        if (!idOk) {
          this.send(
            ws,
            errorFrame(
              typeof id === 'string' ? id : null,
              new OpenAIRequestError(
                'id must be a string of 1-128 printable characters.',
                'id',
                'invalid_frame',
              ),
            ),
          );
          return;
        }
        this.create(ws, state, id, f);
        return;
      case 'cancel': {
        const running = idOk ? state.running.get(id) : undefined;
        if (!running) {
          this.send(
            ws,
            errorFrame(
              idOk ? id : null,
              new OpenAIRequestError('No running request with this id.', 'id', 'unknown_id'),
            ),
          );
          return;
        }
        running.abort(new Error('cancelled by client'));
        return;
      }
      case 'subscribe': {
        const channel = f['channel'];
        if (!isChannel(channel)) {
          this.send(
            ws,
            errorFrame(
              null,
              new OpenAIRequestError(
                `Unknown channel: expected one of ${CHANNELS.join(', ')}.`,
                'channel',
                'invalid_frame',
              ),
            ),
          );
          return;
        }
        this.subscribe(ws, state, channel);
        return;
      }
      case 'unsubscribe': {
        // Without a channel: 'agents', as before there were others.
        const channel = f['channel'] === undefined ? 'agents' : f['channel'];
        if (!isChannel(channel)) {
          this.send(
            ws,
            errorFrame(
              null,
              new OpenAIRequestError(
                `Unknown channel: expected one of ${CHANNELS.join(', ')}.`,
                'channel',
                'invalid_frame',
              ),
            ),
          );
          return;
        }
        state.channels.get(channel)?.unsubscribe();
        state.channels.delete(channel);
        this.send(ws, { type: 'unsubscribed', channel });
        return;
      }
      case 'ping':
        this.send(ws, { type: 'pong', ...(idOk ? { id } : {}) });
        return;
      default:
        this.send(
          ws,
          errorFrame(
            idOk ? id : null,
            new OpenAIRequestError(
              'Unknown frame type: expected chat.completions.create, cancel, subscribe, unsubscribe or ping.',
              'type',
              'invalid_frame',
            ),
          ),
        );
    }
  }

  private create(ws: WebSocket, state: SocketState, id: string, f: Record<string, unknown>): void {
    if (state.running.has(id)) {
      this.send(
        ws,
        errorFrame(
          id,
          new OpenAIRequestError(
            'A request with this id is already running.',
            'id',
            'duplicate_id',
          ),
        ),
      );
      return;
    }
    if (state.running.size >= MAX_REQUESTS_PER_SOCKET) {
      this.send(
        ws,
        errorFrame(
          id,
          new OpenAIRequestError(
            `At most ${MAX_REQUESTS_PER_SOCKET} requests per socket.`,
            null,
            'too_many_requests',
          ),
        ),
      );
      return;
    }
    const body = f['body'];
    const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
    let prepared;
    try {
      // Over a socket every answer is streamed; `stream_options.include_usage` still applies.
      const streamed =
        body && typeof body === 'object' && !Array.isArray(body)
          ? { ...(body as object), stream: true }
          : body;
      prepared = this.completions.prepareChat(streamed, {
        priority: str('priority'),
        timeout: str('timeout'),
        sessionId: str('session_id'),
        strategy: str('strategy'),
        requestId: id,
      });
    } catch (err) {
      this.send(ws, errorFrame(id, toOpenAIError(err)));
      return;
    }
    const abort = new AbortController();
    state.running.set(id, abort);
    const chunks = new ChunkBuilder(prepared.model, prepared.includeUsage);
    this.completions
      .execute(prepared, abort.signal, {
        endpoint: 'ws',
        onOutput: (ev) => {
          if (ev.type === 'embedding') return;
          for (const data of chunks.output(ev)) this.send(ws, { type: 'chunk', id, data });
        },
      })
      .then(
        (done) => {
          for (const data of chunks.finish(
            done.final.finishReason,
            done.final.usage,
            done.resumes,
          )) {
            this.send(ws, { type: 'chunk', id, data });
          }
          this.send(ws, { type: 'done', id });
        },
        (err: unknown) => {
          if (err instanceof CancelledError) {
            this.send(ws, { type: 'cancelled', id });
            return;
          }
          this.send(ws, errorFrame(id, toOpenAIError(err)));
        },
      )
      .finally(() => state.running.delete(id));
  }

  /** (Re)subscribes `ws` to `channel`: a `subscribed` frame with the current state, then changes. */
  private subscribe(ws: WebSocket, state: SocketState, channel: Channel): void {
    state.channels.get(channel)?.unsubscribe();
    let sub: Subscription;
    switch (channel) {
      case 'agents':
        sub = this.subscribeAgents(ws);
        break;
      case 'metrics':
        this.send(ws, { type: 'subscribed', channel, gateway_id: this.feed.gatewayId });
        sub = this.feed.watchMetrics({ next: (frame) => this.send(ws, frame) });
        break;
      case 'requests': {
        const { backlog, subscription } = this.feed.watchRequests({
          next: (request) => this.send(ws, { type: 'request', request }),
        });
        this.send(ws, { type: 'subscribed', channel, requests: backlog });
        sub = subscription;
        break;
      }
      case 'gateways':
        this.send(ws, { type: 'subscribed', channel, gateways: this.gateways.list() });
        sub = this.gateways.changes({
          next: (gateways) => this.send(ws, { type: 'gateways', gateways }),
        });
        break;
    }
    state.channels.set(channel, sub);
  }

  private subscribeAgents(ws: WebSocket): Subscription {
    this.send(ws, {
      type: 'subscribed',
      channel: 'agents',
      agents: this.registry.list().map(agentListing),
    });
    return this.registry.events$.subscribe((ev) => {
      // Load reports arrive every heartbeat per agent; membership and health are what matter
      // here (the `metrics` channel carries every agent's load once a second).
      if (ev.type === 'capacity-freed' || (ev.type === 'updated' && ev.cause === 'status')) return;
      this.send(ws, {
        type: 'agents',
        event: ev.type,
        agent: agentListing(ev.agent),
        ...(ev.type === 'health-changed' ? { from: ev.from, to: ev.to, reason: ev.reason } : {}),
        ...(ev.type === 'removed' ? { reason: ev.reason } : {}),
      });
    });
  }
}

function errorFrame(
  id: string | null,
  error: OpenAIError,
): { type: 'error'; id: string | null; error: ErrorBody['error'] } {
  return { type: 'error', id, error: error.toBody().error };
}
