import { OpenAIRequestError } from '@dds/openai-schema';
import { ContextWindowExceededError, type ContextMessage, type ContextStore } from '@dds/context';
import { AgentAttemptError } from './gateway-job';

/**
 * One request's turn in its `x-session-id` conversation: the request's messages merged with the
 * stored history and trimmed to one agent's window, and the commit of the answer after.
 */
export class SessionTurn {
  private constructor(
    private readonly context: ContextStore<ContextMessage>,
    private readonly sessionId: string,
    /** The messages this agent gets. */
    readonly messages: readonly ContextMessage[],
    private readonly conversation: readonly ContextMessage[],
  ) {}

  /**
   * Prepares the turn for an agent with a `maxContextTokens` window, keeping `reservedTokens`
   * free for the reply. A window too small is retryable (another agent may have a larger one);
   * malformed messages are the client's fault (400).
   */
  static open(
    context: ContextStore<ContextMessage>,
    sessionId: string,
    messages: readonly ContextMessage[],
    maxContextTokens: number,
    reservedTokens: number,
  ): SessionTurn {
    try {
      const prepared = context.prepare(sessionId, messages, maxContextTokens, reservedTokens);
      return new SessionTurn(context, sessionId, prepared.messages, prepared.conversation);
    } catch (err) {
      if (err instanceof ContextWindowExceededError) {
        throw new AgentAttemptError('context_length_exceeded', err.message, true);
      }
      throw new OpenAIRequestError(err instanceof Error ? err.message : String(err), 'messages');
    }
  }

  /** Stores the conversation with the agent's `reply` (call once, on success). */
  commit(reply: ContextMessage): void {
    this.context.commit(this.sessionId, this.conversation, reply);
  }
}
