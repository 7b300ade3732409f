import type { ToolCall, ToolCallDelta } from './chat.types';

/** A tool-call fragment as any producer types it (the protocol's is readonly). */
type ToolCallFragment = Readonly<Omit<ToolCallDelta, 'function'>> & {
  readonly function?: { readonly name?: string; readonly arguments?: string };
};

/**
 * Folds streamed tool-call fragments (`choices[].delta.tool_calls[]`) into whole calls: fragments
 * with the same `index` are one call, `name` and `arguments` concatenate, the last non-empty `id`
 * wins. The one merger for agents (non-streamed answers), the gateway's collector and its stream
 * continuation. Indices are map keys, so a peer's huge `index` costs one entry, not a sparse array.
 */
export class ToolCallMerger {
  private readonly byIndex = new Map<number, ToolCallDelta>();

  /** Number of distinct calls seen. */
  get size(): number {
    return this.byIndex.size;
  }

  add(d: ToolCallFragment): void {
    const c = this.byIndex.get(d.index);
    this.byIndex.set(d.index, {
      index: d.index,
      ...(d.id ? { id: d.id } : c?.id ? { id: c.id } : {}),
      type: 'function',
      function: {
        name: (c?.function?.name ?? '') + (d.function?.name ?? ''),
        arguments: (c?.function?.arguments ?? '') + (d.function?.arguments ?? ''),
      },
    });
  }

  /** The merged calls as fragments (index kept), in index order: a continuation, a final's calls. */
  deltas(): ToolCallDelta[] {
    return [...this.byIndex.values()].sort((a, b) => a.index - b.index);
  }

  /** The merged calls as an assistant message's `tool_calls` (`id` '' when none was sent). */
  calls(): ToolCall[] {
    return this.deltas().map((d) => ({
      id: d.id ?? '',
      type: 'function',
      function: { name: d.function?.name ?? '', arguments: d.function?.arguments ?? '' },
    }));
  }

  clear(): void {
    this.byIndex.clear();
  }
}
