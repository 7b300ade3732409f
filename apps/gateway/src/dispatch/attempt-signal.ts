import { StalledError } from './stream-resume';

/**
 * The signal of one attempt on one agent: aborted with the client's reason when the client's
 * signal aborts, or with a {@link StalledError} when the agent, once it has to show progress,
 * sends nothing for `stallMs` (the inter-token deadline).
 */
export class AttemptSignal {
  private readonly controller = new AbortController();
  private readonly onAbort = () => this.controller.abort(this.client.reason);
  private lastOutputAt = performance.now();
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param watchNow Whether the agent must show progress from the start (a continuing agent),
   *   rather than from its first output (a fresh one may take its time to first token).
   */
  constructor(
    private readonly client: AbortSignal,
    private readonly agentId: string,
    private readonly stallMs: number,
    watchNow: boolean,
  ) {
    if (client.aborted) this.controller.abort(client.reason);
    else client.addEventListener('abort', this.onAbort, { once: true });
    if (watchNow) this.timer = setTimeout(this.check, stallMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The agent sent output: the inter-token deadline restarts (and is armed from now on). */
  progressed(): void {
    this.lastOutputAt = performance.now();
    this.timer ??= setTimeout(this.check, this.stallMs);
  }

  /** The stall that aborted the attempt, unless the client itself aborted. */
  stalled(): StalledError | undefined {
    const reason: unknown = this.controller.signal.reason;
    return !this.client.aborted && reason instanceof StalledError ? reason : undefined;
  }

  /** Stops watching (the attempt ended). */
  dispose(): void {
    clearTimeout(this.timer);
    this.client.removeEventListener('abort', this.onAbort);
  }

  // One timer per attempt, re-armed for the time left rather than reset per token.
  private readonly check = () => {
    const idle = performance.now() - this.lastOutputAt;
    if (idle >= this.stallMs) {
      this.controller.abort(
        new StalledError(
          `agent ${this.agentId} sent nothing for ${Math.round(idle)} ms mid-answer`,
        ),
      );
    } else {
      this.timer = setTimeout(this.check, this.stallMs - idle);
    }
  };
}
