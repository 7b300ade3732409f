import { authorizationOf, isAnthropicRoute } from './anthropic-route';

describe('Anthropic routes', () => {
  it.each([
    ['/v1/messages', true],
    ['/api/v1/messages', true],
    ['/v1/messages?beta=true', true],
    ['/v1/messages/count_tokens', true],
    ['/v1/messagesx', false],
    ['/v1/chat/completions', false],
    ['/messages', false],
    ['/v2/messages', false],
  ])('%s: %s', (url, expected) => {
    expect(isAnthropicRoute(url)).toBe(expected);
  });

  it('takes x-api-key as a bearer key on Anthropic routes only; authorization wins', () => {
    expect(authorizationOf('/v1/messages', { 'x-api-key': 'k1' })).toBe('Bearer k1');
    expect(authorizationOf('/v1/chat/completions', { 'x-api-key': 'k1' })).toBeUndefined();
    expect(authorizationOf('/v1/messages', { authorization: 'Bearer k2', 'x-api-key': 'k1' })).toBe(
      'Bearer k2',
    );
    expect(authorizationOf('/v1/messages', {})).toBeUndefined();
  });
});
