/**
 * Encodes an embedding as OpenAI does for `encoding_format: 'base64'`: the vector's float32 values,
 * little-endian, base64-encoded. Values are rounded to float32.
 */
export function encodeEmbeddingBase64(vector: ArrayLike<number>): string {
  const buf = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i], i * 4);
  return buf.toString('base64');
}

/**
 * Decodes a base64 embedding (little-endian float32) back to numbers.
 *
 * @throws TypeError when the decoded byte length is not a multiple of 4.
 */
export function decodeEmbeddingBase64(base64: string): number[] {
  const buf = Buffer.from(base64, 'base64');
  if (buf.length % 4 !== 0) {
    throw new TypeError(
      `Invalid base64 embedding: ${buf.length} bytes is not a whole number of float32 values.`,
    );
  }
  const out = new Array<number>(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}
