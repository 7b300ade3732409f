/**
 * Test support: a `fetch` for the official SDKs (OpenAI, the OpenAI Agents SDK, the AI SDK,
 * Anthropic's) that records what each SDK really sends and answers with bytes built by this
 * library, so the validators are checked against the SDKs' real request bodies and the renderers
 * against the SDKs' own parsers.
 */

/** One request an SDK sent. */
export interface Captured {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  /** The JSON body, parsed; `undefined` for a request without one. */
  readonly body: unknown;
}

/** A `fetch` that records each request and answers with `respond(request)`. */
export function capturingFetch(respond: (req: Captured) => Response | Promise<Response>): {
  fetch: typeof fetch;
  sent: Captured[];
} {
  const sent: Captured[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const raw = init?.body;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    const req: Captured = {
      url: String(input instanceof Request ? input.url : input),
      method: init?.method ?? 'GET',
      headers,
      body: typeof raw === 'string' ? JSON.parse(raw) : undefined,
    };
    sent.push(req);
    return respond(req);
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/**
 * An SSE response: one frame per chunk, each split in two at its middle byte (possibly inside a
 * UTF-8 sequence), as a real socket may deliver it.
 */
export function sseResponse(frames: readonly string[]): Response {
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const f of frames) {
        const bytes = enc.encode(f);
        const cut = Math.floor(bytes.length / 2);
        controller.enqueue(bytes.subarray(0, cut));
        controller.enqueue(bytes.subarray(cut));
      }
      controller.close();
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}
