/** The terminal frame of an OpenAI server-sent event stream. */
export const SSE_DONE_FRAME = 'data: [DONE]\n\n';

/**
 * Frames one JSON payload as a server-sent event (`data: {...}\n\n`), as OpenAI streams do.
 * JSON.stringify never emits raw newlines, so a payload always fits on one `data:` line.
 */
export function sseFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/**
 * Frames one JSON payload as a named server-sent event (`event: name\ndata: {...}\n\n`), as the
 * Responses API and Anthropic's Messages API stream (both name each event after its `type`).
 */
export function sseEventFrame(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}
