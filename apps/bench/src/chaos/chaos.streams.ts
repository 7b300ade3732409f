import { Agent, request } from 'undici';

/** How one streamed answer ended, as the client saw it. */
export interface StreamOutcome {
  /** Ended with `[DONE]` after a finish chunk. */
  readonly done: boolean;
  /** Ended with an SSE error event (the gateway's explicit failure), or a non-200 answer. */
  readonly explicitError: boolean;
  /** The content deltas, in order. */
  readonly pieces: string[];
  /** Arrival time (ms, `performance.now()`) of each content delta. */
  readonly at: number[];
  /** `x_dds_llm.resumed` of the finish chunk (0 when absent). */
  readonly resumed: number;
  /** `usage.completion_tokens` of the usage chunk, if any. */
  readonly completionTokens?: number;
  /** Distinct chunk ids seen (1 for one stream). */
  readonly ids: number;
  /** The error event's message, if any. */
  readonly error?: string;
}

interface ChunkShape {
  id?: string;
  choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
  usage?: { completion_tokens?: number } | null;
  x_dds_llm?: { resumed?: number };
  error?: { message?: string };
}

/**
 * Folds SSE text into an outcome. Pure (fed chunk by chunk with their arrival times), so the
 * classification is unit-tested without a server.
 */
export class SseCollector {
  private buffered = '';
  private readonly ids = new Set<string>();
  private done = false;
  private explicitError = false;
  private resumed = 0;
  private completionTokens: number | undefined;
  private finished = false;
  private error: string | undefined;
  readonly pieces: string[] = [];
  readonly at: number[] = [];

  push(text: string, now: number): void {
    this.buffered += text;
    let idx: number;
    while ((idx = this.buffered.indexOf('\n\n')) !== -1) {
      const event = this.buffered.slice(0, idx);
      this.buffered = this.buffered.slice(idx + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') {
          this.done = this.finished && !this.explicitError;
          continue;
        }
        let chunk: ChunkShape;
        try {
          chunk = JSON.parse(data) as ChunkShape;
        } catch {
          continue; // Not JSON: neither content nor an outcome.
        }
        if (chunk.error !== undefined) {
          this.explicitError = true;
          this.error = String(chunk.error?.message ?? 'error');
          continue;
        }
        if (chunk.id) this.ids.add(chunk.id);
        const choice = chunk.choices?.[0];
        const content = choice?.delta?.content;
        if (content) {
          this.pieces.push(content);
          this.at.push(now);
        }
        if (choice?.finish_reason) {
          this.finished = true;
          this.resumed = chunk.x_dds_llm?.resumed ?? 0;
        }
        if (chunk.usage?.completion_tokens !== undefined) {
          this.completionTokens = chunk.usage.completion_tokens;
        }
      }
    }
  }

  /** Marks a non-200 answer (the gateway refused or failed before streaming). */
  failed(): void {
    this.explicitError = true;
  }

  outcome(): StreamOutcome {
    return {
      done: this.done,
      explicitError: this.explicitError,
      pieces: this.pieces,
      at: this.at,
      resumed: this.resumed,
      ...(this.completionTokens !== undefined ? { completionTokens: this.completionTokens } : {}),
      ids: this.ids.size,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }
}

/**
 * The added pauses (ms) of a resumed stream: its `resumed` largest gaps between consecutive
 * content deltas, less the stream's median gap (the pace it would have had anyway).
 */
export function resumePauses(outcome: StreamOutcome): number[] {
  if (outcome.resumed === 0 || outcome.at.length < 2) return [];
  const gaps: number[] = [];
  for (let i = 1; i < outcome.at.length; i++) {
    gaps.push((outcome.at[i] as number) - (outcome.at[i - 1] as number));
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return sorted
    .slice(-outcome.resumed)
    .reverse()
    .map((g) => Math.max(0, g - median));
}

/** Opens `bodies.length` streams at once against `url`; resolves when every one has ended. */
export async function runStreams(
  url: string,
  bodies: readonly string[],
  timeoutMs: number,
): Promise<StreamOutcome[]> {
  const dispatcher = new Agent({ connections: bodies.length, pipelining: 1 });
  try {
    return await Promise.all(
      bodies.map(async (body) => {
        const sse = new SseCollector();
        try {
          const res = await request(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            dispatcher,
            bodyTimeout: timeoutMs,
            headersTimeout: timeoutMs,
          });
          if (res.statusCode !== 200) {
            await res.body.dump();
            sse.failed();
            return sse.outcome();
          }
          const text = new TextDecoder();
          for await (const chunk of res.body) {
            sse.push(text.decode(chunk as Buffer, { stream: true }), performance.now());
          }
        } catch {
          // A broken connection: neither done nor an explicit error (a lost stream).
        }
        return sse.outcome();
      }),
    );
  } finally {
    await dispatcher.close();
  }
}
