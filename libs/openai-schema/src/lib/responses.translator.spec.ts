import { OpenAIRequestError } from './openai.errors';
import {
  referencedItemIds,
  responseChatRequest,
  responseInputItems,
  responseItemsToMessages,
} from './responses.translator';
import type { ResponseStoredItem } from './responses.types';
import { validateResponseRequest } from './responses.validator';

const req = (body: Record<string, unknown>) => validateResponseRequest({ model: 'm', ...body });

describe('responseInputItems', () => {
  it('gives a string input one user message item with an id', () => {
    const [item, ...rest] = responseInputItems(req({ input: 'hi' }));
    expect(rest).toEqual([]);
    expect(item).toEqual({
      type: 'message',
      id: expect.stringMatching(/^msg_[A-Za-z0-9]{40}$/),
      role: 'user',
      content: [{ type: 'input_text', text: 'hi' }],
    });
  });

  it('keeps given ids, assigns missing ones, drops reasoning, resolves references', () => {
    const stored: ResponseStoredItem = {
      type: 'message',
      id: 'msg_old',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'earlier', annotations: [] }],
    };
    const body = req({
      input: [
        { type: 'item_reference', id: 'msg_old' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { role: 'assistant', content: 'plain' },
        { type: 'function_call', id: 'fc_keep', call_id: 'c1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'r' },
      ],
    });
    expect(referencedItemIds(body)).toEqual(['msg_old']);
    const items = responseInputItems(body, (id) => (id === 'msg_old' ? stored : undefined));
    expect(items.map((i) => [i.type, i.id.replace(/_[A-Za-z0-9]{40}$/, '_*')])).toEqual([
      ['message', 'msg_old'],
      ['message', 'msg_*'],
      ['function_call', 'fc_keep'],
      ['function_call_output', 'fco_*'],
    ]);
    expect(items[0]).toBe(stored);
    expect(items[1]).toMatchObject({
      content: [{ type: 'output_text', text: 'plain', annotations: [] }],
    });
  });

  it('an unknown reference is a 400 naming the item', () => {
    const body = req({
      input: [
        { role: 'user', content: 'x' },
        { type: 'item_reference', id: 'msg_x' },
      ],
    });
    let err: unknown;
    try {
      responseInputItems(body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OpenAIRequestError);
    expect(err).toMatchObject({
      status: 400,
      param: 'input[1].id',
      message: "Item with id 'msg_x' not found.",
    });
  });
});

describe('responseItemsToMessages', () => {
  it('joins function calls to the assistant text before them, one assistant turn for parallel calls', () => {
    const items = responseInputItems(
      req({
        input: [
          { role: 'user', content: 'both cities' },
          { role: 'assistant', content: 'Checking.' },
          { type: 'function_call', call_id: 'c1', name: 'w', arguments: '{"c":"a"}' },
          { type: 'function_call', call_id: 'c2', name: 'w', arguments: '{"c":"b"}' },
          { type: 'function_call_output', call_id: 'c1', output: 'A' },
          {
            type: 'function_call_output',
            call_id: 'c2',
            output: [{ type: 'input_text', text: 'B' }],
          },
          { type: 'function_call', call_id: 'c3', name: 'w', arguments: '{}' },
        ],
      }),
    );
    expect(responseItemsToMessages(items, 'Be brief.')).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'both cities' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'w', arguments: '{"c":"a"}' } },
          { id: 'c2', type: 'function', function: { name: 'w', arguments: '{"c":"b"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'A' },
      { role: 'tool', tool_call_id: 'c2', content: 'B' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c3', type: 'function', function: { name: 'w', arguments: '{}' } }],
      },
    ]);
  });

  it('maps parts: several texts stay parts, files become file parts, refusals the refusal field', () => {
    const items = responseInputItems(
      req({
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'a' },
              { type: 'input_text', text: 'b' },
              {
                type: 'input_file',
                file_data: 'data:application/pdf;base64,AA==',
                filename: 'x.pdf',
              },
            ],
          },
          {
            role: 'developer',
            content: [
              { type: 'input_text', text: 'd1' },
              { type: 'input_text', text: 'd2' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'output_text', text: 'partly', annotations: [] },
              { type: 'refusal', refusal: 'no more' },
            ],
          },
        ],
      }),
    );
    expect(responseItemsToMessages(items)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
          {
            type: 'file',
            file: { file_data: 'data:application/pdf;base64,AA==', filename: 'x.pdf' },
          },
        ],
      },
      {
        role: 'developer',
        content: [
          { type: 'text', text: 'd1' },
          { type: 'text', text: 'd2' },
        ],
      },
      { role: 'assistant', content: 'partly', refusal: 'no more' },
    ]);
  });
});

describe('responseChatRequest', () => {
  it('maps every setting onto its chat form and leaves out what chat has no use for', () => {
    const body = req({
      input: 'x',
      stream: true,
      max_output_tokens: 10,
      tools: [{ type: 'function', name: 'f', description: 'd', parameters: null, strict: null }],
      tool_choice: {
        type: 'allowed_tools',
        mode: 'auto',
        tools: [{ type: 'function', name: 'f' }],
      },
      text: { format: { type: 'json_object' } },
      safety_identifier: 'sid',
      metadata: { a: 'b' },
      store: false,
      include: ['x'],
    });
    expect(responseChatRequest(body, [{ role: 'user', content: 'x' }])).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      max_tokens: 10,
      tools: [{ type: 'function', function: { name: 'f', description: 'd' } }],
      tool_choice: {
        type: 'allowed_tools',
        allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'f' } }] },
      },
      response_format: { type: 'json_object' },
      user: 'sid',
    });
  });

  it('a text format of text sends no response_format; user wins over safety_identifier', () => {
    const body = req({
      input: 'x',
      text: { format: { type: 'text' } },
      user: 'u',
      safety_identifier: 's',
    });
    const chat = responseChatRequest(body, []);
    expect(chat.response_format).toBeUndefined();
    expect(chat.user).toBe('u');
  });
});
