import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks API keys in constant time: keys are compared as SHA-256 digests (equal length, so
 * `timingSafeEqual` applies and the key length does not leak), and every configured key is
 * compared even after a match.
 */
export class ApiKeyVerifier {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** Whether any keys are configured (no keys = authentication off). */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Whether `authorization` (`Bearer <key>`) carries a configured key. */
  verify(authorization: string | undefined): boolean {
    if (!this.enabled) return true;
    const match = authorization !== undefined ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    const given = digest(match ? match[1] : '');
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(d, given) || ok;
    return ok && match !== null;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
