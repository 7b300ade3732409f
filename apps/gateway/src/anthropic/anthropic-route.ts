import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a request URL is on Anthropic's Messages API (`/v1/messages…`, `/api/v1/messages…`),
 * whose clients expect Anthropic's error shape and may send their key as `x-api-key`.
 */
export function isAnthropicRoute(url: string): boolean {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const rest = path.startsWith('/v1/')
    ? path.slice(4)
    : path.startsWith('/api/v1/')
      ? path.slice(8)
      : undefined;
  return rest !== undefined && (rest === 'messages' || rest.startsWith('messages/'));
}

/**
 * The `authorization` to check for a request: its own, or on Anthropic routes its `x-api-key` as
 * a bearer key (Anthropic clients and curl examples send the key that way).
 */
export function authorizationOf(url: string, headers: IncomingHttpHeaders): string | undefined {
  if (headers.authorization !== undefined) return headers.authorization;
  const key = headers['x-api-key'];
  return typeof key === 'string' && isAnthropicRoute(url) ? `Bearer ${key}` : undefined;
}
