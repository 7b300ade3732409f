import { clientErrorReply, clientErrorResponse, frameworkErrorReply } from './client-error.handler';

const limits = { receiveTimeoutS: 30, maxHeaderBytes: 16384 };

describe('clientErrorReply', () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_HEADER_OVERFLOW', 431, 'request_header_fields_too_large'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'request_too_large'],
    ['HPE_INVALID_METHOD', 400, 'malformed_http_request'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400, 'malformed_http_request'],
    [undefined, 400, 'malformed_http_request'],
  ])('%s -> %d %s as an OpenAI error body', (code, status, errorCode) => {
    const reply = clientErrorReply({ code, reason: 'Invalid method encountered' }, limits);
    expect(reply?.status).toBe(status);
    expect(reply?.body.error).toMatchObject({
      type: 'invalid_request_error',
      param: null,
      code: errorCode,
    });
    expect(reply?.body.error.message.length).toBeGreaterThan(10);
  });

  it('names the limits it enforces and the parser reason', () => {
    expect(
      clientErrorReply({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }, limits)?.body.error.message,
    ).toContain('30 seconds');
    expect(clientErrorReply({ code: 'HPE_HEADER_OVERFLOW' }, limits)?.body.error.message).toContain(
      '16384 bytes',
    );
    expect(
      clientErrorReply({ code: 'HPE_X', reason: 'Invalid char' }, limits)?.body.error.message,
    ).toBe('Malformed HTTP request: Invalid char.');
  });

  it('answers nothing to a client that is already gone', () => {
    expect(clientErrorReply({ code: 'ECONNRESET' }, limits)).toBeUndefined();
    expect(clientErrorReply({ code: 'EPIPE' }, limits)).toBeUndefined();
  });
});

describe('clientErrorResponse', () => {
  it('is a complete HTTP/1.1 response that closes the connection', () => {
    const reply = clientErrorReply({ code: 'HPE_HEADER_OVERFLOW' }, limits);
    if (!reply) throw new Error('expected a reply');
    const text = clientErrorResponse(reply);
    const [head, body] = text.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(head).toContain('Connection: close');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toEqual(reply.body);
  });
});

describe('frameworkErrorReply', () => {
  it('maps fastify routing errors onto OpenAI bodies', () => {
    expect(frameworkErrorReply({ code: 'FST_ERR_BAD_URL' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_url' } },
    });
    expect(frameworkErrorReply({ code: 'FST_ERR_MAX_PARAM_LENGTH' })).toMatchObject({
      status: 414,
      body: { error: { code: 'uri_too_long' } },
    });
    expect(frameworkErrorReply({ code: 'FST_ERR_ASYNC_CONSTRAINT' })).toMatchObject({
      status: 500,
      body: { error: { type: 'server_error' } },
    });
  });
});
