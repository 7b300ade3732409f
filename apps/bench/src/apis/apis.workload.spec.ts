import {
  validateAnthropicMessageRequest,
  validateChatCompletionRequest,
  validateCompletionRequest,
  validateResponseRequest,
} from '@dds/openai-schema';
import { apiWorkloads } from './apis.workload';

const byName = Object.fromEntries(apiWorkloads('m').map((w) => [w.name, w]));

describe('apiWorkloads', () => {
  it('sends a body each API validates as it is', () => {
    const parse = (name: string) => JSON.parse(byName[name].body) as unknown;
    expect(validateChatCompletionRequest(parse('chat')).model).toBe('m');
    expect(validateResponseRequest(parse('responses')).model).toBe('m');
    expect(validateAnthropicMessageRequest(parse('messages')).model).toBe('m');
    expect(validateCompletionRequest(parse('completions')).model).toBe('m');
  });

  it('counts only answers that carry text in the shape of their own API', () => {
    const answers = {
      chat: { choices: [{ message: { role: 'assistant', content: 'hi' } }] },
      responses: {
        status: 'completed',
        output: [{ type: 'message', content: [{ type: 'output_text', text: 'hi' }] }],
      },
      messages: { type: 'message', content: [{ type: 'text', text: 'hi' }] },
      completions: { choices: [{ text: 'hi' }] },
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect([name, byName[name].isComplete(answer)]).toEqual([name, true]);
      for (const [other, workload] of Object.entries(byName)) {
        if (other !== name)
          expect([other, name, workload.isComplete(answer)]).toEqual([other, name, false]);
      }
    }
    const error = { error: { message: 'x', type: 'server_error' } };
    for (const workload of Object.values(byName)) expect(workload.isComplete(error)).toBe(false);
    expect(byName['responses'].isComplete({ ...answers.responses, status: 'incomplete' })).toBe(
      false,
    );
    expect(byName['chat'].isComplete({ choices: [{ message: { content: '' } }] })).toBe(false);
  });
});
