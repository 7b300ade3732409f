import { PrefixIndex } from './prefix.index';

describe('PrefixIndex', () => {
  it('keys full chunks only, up to maxChunks, and shares keys between shared prefixes', () => {
    const index = new PrefixIndex({ chunkSize: 4, maxChunks: 3 });
    expect(index.path('abc')).toEqual([]);
    const a = index.path('aaaabbbbcccc-dddd');
    const b = index.path('aaaabbbbXccc');
    expect(a).toHaveLength(3);
    expect(b.slice(0, 2)).toEqual(a.slice(0, 2));
    expect(b[2]).not.toBe(a[2]);
    expect(new Set(a).size).toBe(3);
  });

  it('reports how deep a prompt matches and who served each level', () => {
    const index = new PrefixIndex({ chunkSize: 2 });
    index.record('x', index.path('aabbcc'));
    index.record('y', index.path('aabb'));
    const seen: [number, string[]][] = [];
    const depth = index.walk(index.path('aabbccdd'), (d, agents) => seen.push([d, [...agents]]));
    expect(depth).toBe(3);
    expect(seen).toEqual([
      [1, ['x', 'y']],
      [2, ['x', 'y']],
      [3, ['x']],
    ]);
  });

  it('stays within maxNodes and maxAgentsPerNode', () => {
    const index = new PrefixIndex({ chunkSize: 1, maxNodes: 50, maxAgentsPerNode: 2 });
    for (let i = 0; i < 200; i++) index.record(`agent-${i % 5}`, index.path(`prompt ${i}`));
    expect(index.size).toBeLessThanOrEqual(50);
    let widest = 0;
    index.record('a', index.path('zz'));
    index.record('b', index.path('zz'));
    index.record('c', index.path('zz'));
    index.walk(index.path('zz'), (_d, agents) => (widest = Math.max(widest, agents.length)));
    expect(widest).toBe(2);
    index.walk(index.path('zz'), (_d, agents) => expect(agents).toEqual(['b', 'c']));
    index.clear();
    expect(index.size).toBe(0);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new PrefixIndex({ chunkSize: 0 })).toThrow(RangeError);
    expect(() => new PrefixIndex({ maxNodes: 1.5 })).toThrow(RangeError);
  });
});
