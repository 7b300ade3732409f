import fc from 'fast-check';
import { HashRing } from './hash.ring';

const keys = Array.from({ length: 2_000 }, (_, i) => `key-${i}`);

describe('HashRing', () => {
  it('is empty until members join', () => {
    const ring = new HashRing(8);
    expect(ring.owner('x')).toBeUndefined();
    ring.add(['a', 'a', 'b']);
    expect(ring.size).toBe(2);
    expect(['a', 'b']).toContain(ring.owner('x'));
  });

  it('moves only the keys of a removed member, to the remaining ones', () => {
    const ring = new HashRing(32);
    ring.add(['a', 'b', 'c', 'd']);
    const before = keys.map((k) => ring.owner(k));
    ring.remove(['c']);
    keys.forEach((k, i) => {
      if (before[i] !== 'c') expect(ring.owner(k)).toBe(before[i]);
      else expect(ring.owner(k)).not.toBe('c');
    });
  });

  it('moves about 1/(n+1) of the keys when a member joins, whatever the fleet', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: 20 }),
        (ids) => {
          const ring = new HashRing(64);
          ring.add(ids);
          const before = keys.map((k) => ring.owner(k));
          ring.add(['\u0000newcomer']);
          let moved = 0;
          keys.forEach((k, i) => {
            const now = ring.owner(k);
            if (now !== before[i]) {
              moved++;
              expect(now).toBe('\u0000newcomer');
            }
          });
          expect(moved / keys.length).toBeLessThan(2 / (ids.length + 1));
        },
      ),
      { numRuns: 20 },
    );
  });

  it('builds the same ring whatever the order members joined in', () => {
    const one = new HashRing(16);
    one.add(['x', 'y', 'z']);
    const two = new HashRing(16);
    two.add(['z']);
    two.add(['y', 'x']);
    expect(keys.map((k) => one.owner(k))).toEqual(keys.map((k) => two.owner(k)));
  });

  it('walks past members the caller rejects and gives up when it rejects them all', () => {
    const ring = new HashRing(16);
    ring.add(['a', 'b', 'c']);
    expect(ring.walk('k', (id) => id === 'b')).toBe('b');
    const visited: string[] = [];
    expect(ring.walk('k', (id) => (visited.push(id), false))).toBeUndefined();
    expect(visited.sort()).toEqual(['a', 'b', 'c']);
    expect(() => new HashRing(0)).toThrow(RangeError);
  });
});
