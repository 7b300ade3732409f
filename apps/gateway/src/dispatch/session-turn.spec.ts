import { ContextStore, type ContextMessage } from '@dds/context';
import { OpenAIRequestError } from '@dds/openai-schema';
import { AgentAttemptError } from './gateway-job';
import { SessionTurn } from './session-turn';

const store = () => new ContextStore<ContextMessage>({ ttlMs: 60_000 });
const user = (content: string): ContextMessage => ({ role: 'user', content });

describe('SessionTurn', () => {
  it("merges the session's history into the next turn once the answer is committed", () => {
    const context = store();
    const first = SessionTurn.open(context, 's1', [user('hello')], 4096, 0);
    expect(first.messages).toEqual([user('hello')]);
    first.commit({ role: 'assistant', content: 'hi there' });
    const second = SessionTurn.open(context, 's1', [user('again')], 4096, 0);
    expect(second.messages).toEqual([
      user('hello'),
      { role: 'assistant', content: 'hi there' },
      user('again'),
    ]);
  });

  it('stores nothing for a turn that is never committed', () => {
    const context = store();
    SessionTurn.open(context, 's1', [user('lost')], 4096, 0);
    expect(SessionTurn.open(context, 's1', [user('next')], 4096, 0).messages).toEqual([
      user('next'),
    ]);
  });

  it("refuses a window too small as the agent's (retryable), malformed messages as the client's", () => {
    const small = () => SessionTurn.open(store(), 's1', [user('x '.repeat(200))], 16, 0);
    expect(small).toThrow(AgentAttemptError);
    try {
      small();
    } catch (err) {
      expect(err).toMatchObject({ code: 'context_length_exceeded', retryable: true });
    }
    const malformed = () => SessionTurn.open(store(), 's1', [], 4096, 0);
    expect(malformed).toThrow(OpenAIRequestError);
  });
});
