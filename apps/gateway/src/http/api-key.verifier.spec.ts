import { ApiKeyVerifier } from './api-key.verifier';

describe('ApiKeyVerifier', () => {
  it('accepts everything when no keys are configured', () => {
    const v = new ApiKeyVerifier([]);
    expect(v.enabled).toBe(false);
    expect(v.verify(undefined)).toBe(true);
  });

  it('accepts any configured key as a Bearer token, case-insensitive scheme', () => {
    const v = new ApiKeyVerifier(['key-one-1234', 'key-two-5678']);
    expect(v.verify('Bearer key-one-1234')).toBe(true);
    expect(v.verify('bearer key-two-5678')).toBe(true);
  });

  it('refuses missing, malformed, wrong, prefix and empty keys', () => {
    const v = new ApiKeyVerifier(['key-one-1234']);
    for (const h of [
      undefined,
      '',
      'key-one-1234',
      'Basic key-one-1234',
      'Bearer key-one-123',
      'Bearer key-one-12345',
      'Bearer ',
      'Bearer a b',
    ]) {
      expect(v.verify(h)).toBe(false);
    }
  });
});
