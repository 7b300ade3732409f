import 'reflect-metadata';
import { maxHeaderSize } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { anthropicErrorBody, AuthenticationError } from '@dds/openai-schema';
import type { Logger } from 'pino';
import { authorizationOf, isAnthropicRoute } from '../anthropic/anthropic-route';
import type { GatewayConfig } from '../config/config.schema';
import { isDashboardPath, serveDashboard } from '../dashboard/dashboard-assets';
import { ApiKeyVerifier } from '../http/api-key.verifier';
import { createClientErrorHandler, frameworkErrorHandler } from '../http/client-error.handler';
import { OpenAiExceptionFilter } from '../http/openai-exception.filter';
import { PinoNestLogger } from '../logging/logger';
import { AppModule } from './app.module';

/** A running gateway. */
export interface Gateway {
  readonly app: NestFastifyApplication;
  /** `http://host:port` it listens on (the real port when 0 was asked). */
  readonly url: string;
  /** Stops taking requests, lets in-flight ones finish (up to the grace period), closes DDS. */
  close(): Promise<void>;
}

/** Builds and starts the gateway; resolves once it listens. */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<Gateway> {
  const receiveMs = Math.round(config.server.receive_timeout * 1000);
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.body_limit,
    // Request logging would cost more than the request itself at the throughput we aim for.
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // A client that trickles its headers or body gets 408 after receive_timeout; Node checks
    // pending requests every connectionsCheckingInterval, so keep that a fraction of it.
    requestTimeout: receiveMs,
    http: {
      requestTimeout: receiveMs,
      headersTimeout: receiveMs,
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.round(receiveMs / 4))),
    },
    // Errors before a route runs (framing, headers, timeouts, bad URLs) are OpenAI bodies too.
    clientErrorHandler: createClientErrorHandler({
      receiveTimeoutS: config.server.receive_timeout,
      maxHeaderBytes: maxHeaderSize,
    }),
    frameworkErrors: frameworkErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger),
    adapter,
    {
      logger: new PinoNestLogger(logger.child({ component: 'nest' })),
      abortOnError: false,
      bodyParser: true,
    },
  );
  app.useGlobalFilters(new OpenAiExceptionFilter(logger, config.server.body_limit));
  if (config.server.cors_origins.length) {
    const origins = config.server.cors_origins;
    app.enableCors({
      origin: origins.includes('*') ? true : origins,
      exposedHeaders: ['x-request-id', 'retry-after'],
    });
  }
  const fastify = app.getHttpAdapter().getInstance();
  const keys = new ApiKeyVerifier(config.server.api_keys);
  if (keys.enabled) {
    // A hook, not a Nest guard: it runs before body parsing and covers unknown routes too.
    fastify.addHook('onRequest', (req, reply, done) => {
      // Probes and scrapers may add a query string: match the path only.
      const query = req.url.indexOf('?');
      const url = query === -1 ? req.url : req.url.slice(0, query);
      const open =
        url === '/health' ||
        url.startsWith('/health/') ||
        url === '/metrics' ||
        // The page's files only: its data comes over /api/v1/ws, which checks the key.
        isDashboardPath(url);
      if (open || req.method === 'OPTIONS' || keys.verify(authorizationOf(url, req.headers))) {
        done();
        return;
      }
      const error = new AuthenticationError();
      void reply
        .status(401)
        .send(isAnthropicRoute(url) ? anthropicErrorBody(error) : error.toBody());
    });
  }
  // In-flight HTTP requests, so shutdown can drain them before the modules they use go away
  // (Nest destroys modules before it closes the HTTP server).
  let inFlight = 0;
  let onDrained: (() => void) | undefined;
  // A plain 'request' listener rather than a fastify hook: no hook machinery on the hot path.
  fastify.server.on('request', (_req: unknown, res: import('node:http').ServerResponse) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) onDrained?.();
    });
  });

  try {
    await serveDashboard(app, config, logger);
    await app.listen({ port: config.server.port, host: config.server.host });
  } catch (err) {
    // E.g. the port is taken: stop what bootstrap started (DDS, a simulated fleet) before failing.
    await app.close().catch(() => undefined);
    throw err;
  }
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host =
    config.server.host === '0.0.0.0' || config.server.host === '::'
      ? '127.0.0.1'
      : config.server.host;

  const shutdown = async (): Promise<void> => {
    const server = fastify.server;
    // Stop accepting connections; requests already in flight carry on.
    server.close();
    server.closeIdleConnections();
    if (inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (onDrained = resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, config.server.shutdown_grace * 1000);
        }),
      ]);
      clearTimeout(timer);
    }
    server.closeAllConnections();
    await app.close();
  };
  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => (closing ??= shutdown()),
  };
}
