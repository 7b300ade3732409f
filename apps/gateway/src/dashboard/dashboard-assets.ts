import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic, { type FastifyStaticOptions } from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ServiceUnavailableError } from '@dds/openai-schema';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/config.schema';

/** Where the page lives. */
export const DASHBOARD_PATH = '/dashboard';

/** Where a bundled gateway looks for the page, relative to its own bundle's directory. */
export const BUNDLED_DASHBOARD_ASSETS = '../dashboard';

/**
 * `nx build dashboard`'s output: beside the bundle in a production build
 * (`dist/apps/gateway/main.js` next to `dist/apps/dashboard/`), else in this repository's `dist/`.
 */
export const DEFAULT_DASHBOARD_ASSETS = __filename.endsWith('.ts')
  ? join(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'dashboard')
  : join(__dirname, BUNDLED_DASHBOARD_ASSETS);

/**
 * Whether `path` (no query string) is part of the page. The page's files hold no fleet data, so
 * they are served without the API key; everything the page shows arrives over `/api/v1/ws`,
 * which checks the key like the rest of the API.
 */
export function isDashboardPath(path: string): boolean {
  return path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);
}

/** The page's files never change under a name (Vite hashes them); the HTML always revalidates. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** An admin page: no framing, no sniffing, scripts and connections to this origin only. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * Serves the built dashboard under `/dashboard/` (pre-compressed `.br`/`.gz` variants when the
 * browser takes them) unless `dashboard.enabled` is false. When the page has not been built,
 * `/dashboard` answers 503 saying how to build it rather than failing the gateway's start.
 */
export async function serveDashboard(
  app: NestFastifyApplication,
  config: GatewayConfig,
  logger: Logger,
): Promise<void> {
  if (!config.dashboard.enabled) return;
  const root = resolve(config.dashboard.assets || DEFAULT_DASHBOARD_ASSETS);
  const fastify = app.getHttpAdapter().getInstance();
  if (!existsSync(join(root, 'index.html'))) {
    logger.warn(
      { root },
      'dashboard not built: /dashboard answers 503 (run `npx nx build dashboard`)',
    );
    const notBuilt = new ServiceUnavailableError(
      `The dashboard is not built: run \`npx nx build dashboard\` (looked in ${root}).`,
    );
    for (const url of [DASHBOARD_PATH, `${DASHBOARD_PATH}/*`]) {
      fastify.get(url, (_req, reply) => {
        void reply.status(notBuilt.status).send(notBuilt.toBody());
      });
    }
    return;
  }
  // Registered on Fastify itself: Nest's useStaticAssets() types an older @fastify/static.
  await app.register(fastifyStatic, {
    root,
    prefix: DASHBOARD_PATH,
    preCompressed: true,
    // `/dashboard` → `/dashboard/`, so the page's relative URLs resolve.
    redirect: true,
    decorateReply: false,
    cacheControl: false,
    setHeaders(reply, path) {
      // `path` may be the pre-compressed variant (`index.html.br`).
      void reply.header('cache-control', /\.html(\.br|\.gz)?$/.test(path) ? 'no-cache' : IMMUTABLE);
      void reply.headers(SECURITY_HEADERS);
    },
  } satisfies FastifyStaticOptions);
}
