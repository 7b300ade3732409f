/** The terminal frame of an OpenAI server-sent event stream. */
export const SSE_DONE_FRAME = 'data: [DONE]\n\n';

/**
 * Frames one JSON payload as a server-sent event (`data: {...}\n\n`), as OpenAI streams do.
 * JSON.stringify never emits raw newlines, so a payload always fits on one `data:` line.
 */
export function sseFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}
