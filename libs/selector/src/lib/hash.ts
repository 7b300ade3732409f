/**
 * Captured once: under jest's vm sandbox every `Math` lookup goes through the sandbox global and
 * keeps the hashing loops from being optimised (about 80x slower).
 */
export const imul = Math.imul;

/** FNV-1a over UTF-16 code units, continuing from `state` (32-bit, unsigned). */
export function fnv1a32(text: string, state = 0x811c9dc5): number {
  let h = state;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Murmur3's finaliser: spreads FNV's weak low bits so similar keys land far apart. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-spread 32-bit hash of a string. */
export function hash32(text: string): number {
  return mix32(fnv1a32(text));
}
