import type { ProtocolRequest, ResponseEvent } from '@dds/protocol';
import type { AgentChannel, AgentTarget } from '../fleet/agent-channel';

/** DDS failures after which an agent's announced HTTP endpoint is tried instead. */
const FALLBACK_CODES = new Set(['agent_not_found']);

/**
 * The DDS channel with HTTP as the fallback transport: when DDS cannot reach an agent that also
 * announced an OpenAI-compatible HTTP endpoint, and the agent sent nothing yet, the same request
 * goes to that endpoint instead (a fresh request only: never a continuation). The caller sees one event stream, whichever transport served it.
 *
 * The DDS channel's `received` is counted here (once per DDS event), so a caller never counts.
 */
export class HttpFallbackChannel implements AgentChannel {
  constructor(
    private readonly dds: AgentChannel,
    private readonly http: AgentChannel,
    /** Told once per request that moved to HTTP (`gateway_http_fallbacks_total`). */
    private readonly onFallback: () => void = () => undefined,
  ) {}

  request(
    target: AgentTarget,
    req: ProtocolRequest,
    signal: AbortSignal,
  ): AsyncIterable<ResponseEvent> {
    const sentAt = Date.now();
    // Called here, not in the generator, so an encoding failure throws to the caller at once.
    const events = this.dds.request(target, req, signal);
    // A continuation needs an agent that continues (DDS only): HTTP would answer from scratch.
    if (!target.httpEndpoint || req.continueFrom) return this.counted(events);
    return this.withFallback(events, target.id, target.httpEndpoint, req, signal, sentAt);
  }

  private async *counted(events: AsyncIterable<ResponseEvent>): AsyncIterable<ResponseEvent> {
    for await (const ev of events) {
      this.dds.received?.();
      yield ev;
    }
  }

  private async *withFallback(
    events: AsyncIterable<ResponseEvent>,
    id: string,
    httpEndpoint: string,
    req: ProtocolRequest,
    signal: AbortSignal,
    sentAt: number,
  ): AsyncIterable<ResponseEvent> {
    let output = false;
    for await (const ev of events) {
      this.dds.received?.();
      if (ev.type === 'error' && !output && FALLBACK_CODES.has(ev.code)) {
        this.onFallback();
        // The deadline keeps counting from the first send.
        const left =
          req.deadlineMs === undefined
            ? {}
            : { deadlineMs: Math.max(1, req.deadlineMs - (Date.now() - sentAt)) };
        yield* this.http.request(
          { id, transport: 'http', httpEndpoint },
          { ...req, ...left },
          signal,
        );
        return;
      }
      if (ev.type !== 'final' && ev.type !== 'error') output = true;
      yield ev;
    }
  }
}
