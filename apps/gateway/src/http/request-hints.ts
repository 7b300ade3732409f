import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHints } from '../dispatch/completion.service';

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Routing hints from request headers. */
export function hintsFromHeaders(headers: IncomingHttpHeaders): RequestHints {
  return {
    priority: one(headers['x-priority']),
    timeout: one(headers['x-request-timeout']),
    sessionId: one(headers['x-session-id']),
    strategy: one(headers['x-selector-strategy']),
  };
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The client's `x-request-id` when it is sane, else a fresh one. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = one(headers['x-request-id']);
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}
