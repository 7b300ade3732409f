import fc from 'fast-check';
import { decodeEmbeddingBase64, encodeEmbeddingBase64 } from './embedding.codec';

describe('base64 embeddings', () => {
  it('encodes little-endian float32 exactly as OpenAI does', () => {
    // 1.0f = 0x3F800000 -> bytes 00 00 80 3F; -2.0f = 0xC0000000 -> 00 00 00 C0.
    expect(Buffer.from(encodeEmbeddingBase64([1, -2]), 'base64')).toEqual(
      Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]),
    );
    expect(encodeEmbeddingBase64([])).toBe('');
  });

  it('round-trips any vector to its float32 rounding', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true })), (v) => {
        expect(decodeEmbeddingBase64(encodeEmbeddingBase64(v))).toEqual(v.map(Math.fround));
      }),
    );
  });

  it('accepts a Float32Array', () => {
    const v = new Float32Array([0.25, -0.5]);
    expect(decodeEmbeddingBase64(encodeEmbeddingBase64(v))).toEqual([0.25, -0.5]);
  });

  it('rejects bytes that are not whole float32 values', () => {
    expect(() => decodeEmbeddingBase64(Buffer.from([1, 2, 3]).toString('base64'))).toThrow(
      new TypeError('Invalid base64 embedding: 3 bytes is not a whole number of float32 values.'),
    );
  });
});
