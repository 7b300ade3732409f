import { ToolCallMerger } from './tool-call.merger';

describe('ToolCallMerger', () => {
  it('joins fragments per index, keeps the last id, orders calls by index', () => {
    const m = new ToolCallMerger();
    m.add({ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '' } });
    m.add({ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x"' } });
    m.add({ index: 0, function: { arguments: ':1}' } });
    m.add({ index: 1, id: 'b2', function: { name: 'h', arguments: '{}' } });
    expect(m.size).toBe(2);
    expect(m.deltas()).toEqual([
      { index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
      { index: 1, id: 'b2', type: 'function', function: { name: 'gh', arguments: '{}' } },
    ]);
    expect(m.calls()).toEqual([
      { id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
      { id: 'b2', type: 'function', function: { name: 'gh', arguments: '{}' } },
    ]);
  });

  it("defaults a call's missing id, name and arguments, and forgets on clear", () => {
    const m = new ToolCallMerger();
    m.add({ index: 3 });
    expect(m.deltas()).toEqual([
      { index: 3, type: 'function', function: { name: '', arguments: '' } },
    ]);
    expect(m.calls()).toEqual([
      { id: '', type: 'function', function: { name: '', arguments: '' } },
    ]);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.calls()).toEqual([]);
  });

  it('a huge index is one entry, not a sparse array', () => {
    const m = new ToolCallMerger();
    m.add({ index: 2 ** 31 - 1, function: { arguments: 'x' } });
    expect(m.calls()).toHaveLength(1);
  });
});
