import { OpenAIRequestError } from '@dds/openai-schema';
import { encodeRequest, ProtocolError } from '@dds/protocol';
import { HttpAgentChannel } from '../fleet/http-agent.channel';
import { classifyEncodeFailure } from './fault-classification';

function encodeFailure(body: Record<string, unknown>): unknown {
  try {
    encodeRequest('r1', 'a1', 'gw', { kind: 'chat', body, stream: false });
  } catch (err) {
    return err;
  }
  throw new Error('expected the encoding to fail');
}

describe('classifyEncodeFailure', () => {
  it('turns a body too deep for the protocol into a 400 naming the path', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 300; i++) deep = { a: deep };
    const body = { model: 'm', messages: [], tools: [{ function: { parameters: deep } }] };
    const err = classifyEncodeFailure(encodeFailure(body), body);
    expect(err).toBeInstanceOf(OpenAIRequestError);
    const e = (err as OpenAIRequestError).toBody().error;
    expect(e.code).toBe('nesting_too_deep');
    expect(e.param?.startsWith('tools[0].function.parameters.a.a')).toBe(true);
    expect((err as OpenAIRequestError).status).toBe(400);
  });

  it('names the largest field of a body over the protocol size bound', () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'x'.repeat(17 * 1024 * 1024) }],
    };
    const e = (classifyEncodeFailure(encodeFailure(body), body) as OpenAIRequestError).toBody()
      .error;
    expect(e).toMatchObject({ param: 'messages', code: 'request_too_large' });
  });

  it('names the field that cannot be serialised', () => {
    const body = { model: 'm', seed: 1n };
    const e = (classifyEncodeFailure(encodeFailure(body), body) as OpenAIRequestError).toBody()
      .error;
    expect(e).toMatchObject({ param: 'seed', code: 'invalid_value' });
  });

  it('leaves every other failure as it is (the agent may be at fault)', () => {
    const gone = new ProtocolError('agent_gone', 'left', true);
    expect(classifyEncodeFailure(gone, {})).toBe(gone);
    const plain = new Error('socket hang up');
    expect(classifyEncodeFailure(plain, {})).toBe(plain);
  });

  it('the HTTP channel fails at the call for a body it cannot send, like the DDS one', async () => {
    const channel = new HttpAgentChannel();
    const call = () =>
      channel.request(
        { id: 'h1', transport: 'http', httpEndpoint: 'http://127.0.0.1:1/v1' },
        { kind: 'chat', body: { model: 'm', seed: 1n }, stream: false },
        new AbortController().signal,
      );
    expect(call).toThrow(expect.objectContaining({ name: 'ProtocolError', code: 'invalid_body' }));
    const body = { model: 'm', seed: 1n };
    let thrown: unknown;
    try {
      call();
    } catch (err) {
      thrown = err;
    }
    expect(classifyEncodeFailure(thrown, body)).toBeInstanceOf(OpenAIRequestError);
    await channel.close();
  });
});
