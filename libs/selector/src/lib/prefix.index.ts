import { LRUCache } from 'lru-cache';
import { imul, mix32 } from './hash';

/** Settings of a {@link PrefixIndex}. */
export interface PrefixIndexOptions {
  /** Characters per chunk (default 64). */
  readonly chunkSize?: number;
  /** Chunks considered per prompt (default 64): bounds hashing cost and memory per prompt. */
  readonly maxChunks?: number;
  /** Nodes remembered, least recently used evicted first (default 100,000). */
  readonly maxNodes?: number;
  /** Agents remembered per node, most recent kept (default 4). */
  readonly maxAgentsPerNode?: number;
}

/**
 * The path of a prompt through the index: one key per full chunk, key i standing for the prompt's
 * first (i+1) chunks.
 */
export type PrefixPath = readonly number[];

/**
 * An approximate radix tree over fixed-size character chunks of prompts, remembering which agents
 * served which prefixes (a proxy for their KV caches).
 *
 * Each node is keyed by a 52-bit hash of the whole prefix up to the end of its chunk (a hashed trie:
 * the parent link is implicit in the key), so a lookup is one pass over the prompt plus one map probe
 * per chunk. Collisions are possible but rare, which is acceptable for a cache-affinity hint. Memory is
 * bounded by `maxNodes` × `maxAgentsPerNode`.
 */
export class PrefixIndex {
  readonly chunkSize: number;
  readonly maxChunks: number;
  readonly maxAgentsPerNode: number;
  private readonly nodes: LRUCache<number, string[]>;

  constructor(options: PrefixIndexOptions = {}) {
    this.chunkSize = positiveInt(options.chunkSize ?? 64, 'chunkSize');
    this.maxChunks = positiveInt(options.maxChunks ?? 64, 'maxChunks');
    this.maxAgentsPerNode = positiveInt(options.maxAgentsPerNode ?? 4, 'maxAgentsPerNode');
    this.nodes = new LRUCache({ max: positiveInt(options.maxNodes ?? 100_000, 'maxNodes') });
  }

  /** Nodes currently remembered. */
  get size(): number {
    return this.nodes.size;
  }

  /** The node keys of `text`'s full chunks (at most `maxChunks`). */
  path(text: string): PrefixPath {
    const chunks = Math.min(this.maxChunks, Math.floor(text.length / this.chunkSize));
    const keys: number[] = new Array(chunks);
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    let i = 0;
    for (let c = 0; c < chunks; c++) {
      const end = i + this.chunkSize;
      // Two UTF-16 units per step: half the multiplications of a char-by-char FNV.
      for (; i + 1 < end; i += 2) {
        const w = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
        a = imul(a ^ w, 0x01000193);
        b = imul(b ^ w, 0x5bd1e995);
        b ^= b >>> 15;
      }
      if (i < end) {
        const ch = text.charCodeAt(i++);
        a = imul(a ^ ch, 0x01000193);
        b = imul(b ^ ch, 0x5bd1e995);
        b ^= b >>> 15;
      }
      keys[c] = mix32(a) * 0x200000 + (mix32(b) >>> 11);
    }
    return keys;
  }

  /**
   * Remembers that `agentId` served the prompt with this path. `matched` may pass what
   * {@link PrefixIndex.match} just returned for the same path, to skip looking those nodes up again.
   */
  record(agentId: string, path: PrefixPath, matched: readonly (readonly string[])[] = []): void {
    for (let i = 0; i < path.length; i++) {
      const agents = (matched[i] as string[] | undefined) ?? this.nodes.get(path[i]);
      if (!agents) {
        this.nodes.set(path[i], [agentId]);
        continue;
      }
      const at = agents.indexOf(agentId);
      if (at === agents.length - 1) continue;
      if (at >= 0) agents.splice(at, 1);
      agents.push(agentId);
      if (agents.length > this.maxAgentsPerNode) agents.shift();
    }
  }

  /**
   * The nodes along the path from the root, as far as they exist: entry i lists the agents that
   * served the first i+1 chunks, most recent last. Read-only, and valid until the next change.
   */
  match(path: PrefixPath): (readonly string[])[] {
    const found: (readonly string[])[] = [];
    for (const key of path) {
      const agents = this.nodes.get(key);
      if (!agents) break;
      found.push(agents);
    }
    return found;
  }

  /**
   * Walks the path from the root while nodes exist; calls `visit(depth, agents)` for each node
   * found (depth = chunks matched, from 1), deepest last. Returns the depth reached.
   */
  walk(path: PrefixPath, visit: (depth: number, agents: readonly string[]) => void): number {
    let depth = 0;
    for (const key of path) {
      const agents = this.nodes.get(key);
      if (!agents) break;
      depth++;
      visit(depth, agents);
    }
    return depth;
  }

  /** Forgets everything. */
  clear(): void {
    this.nodes.clear();
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  }
  return value;
}
