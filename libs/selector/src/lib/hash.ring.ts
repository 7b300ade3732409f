import { hash32 } from './hash';

/**
 * A consistent-hash ring with virtual nodes: each member owns `virtualNodes` points on a 32-bit
 * circle, a key belongs to the first point clockwise of its hash. Adding one member to n moves
 * about 1/(n+1) of the keys, all of them to the new member.
 */
export class HashRing {
  private points = new Uint32Array(0);
  private owners: string[] = [];
  private readonly memberSet = new Set<string>();

  constructor(readonly virtualNodes = 64) {
    if (!Number.isInteger(virtualNodes) || virtualNodes < 1) {
      throw new RangeError(`virtualNodes must be an integer ≥ 1, got ${virtualNodes}`);
    }
  }

  get size(): number {
    return this.memberSet.size;
  }

  has(id: string): boolean {
    return this.memberSet.has(id);
  }

  /**
   * Adds members; ids already present are ignored. The new points are sorted and merged into the
   * ring in one linear pass, so one agent joining a 1,000-agent ring costs well under a millisecond.
   */
  add(ids: Iterable<string>): void {
    const fresh: { p: number; o: string }[] = [];
    for (const id of ids) {
      if (this.memberSet.has(id)) continue;
      this.memberSet.add(id);
      for (let v = 0; v < this.virtualNodes; v++) fresh.push({ p: hash32(`${id}#${v}`), o: id });
    }
    if (fresh.length === 0) return;
    fresh.sort(byPointThenOwner);
    const n = this.points.length;
    const points = new Uint32Array(n + fresh.length);
    const owners: string[] = new Array(n + fresh.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < points.length; k++) {
      const takeOld =
        j >= fresh.length ||
        (i < n &&
          (this.points[i] < fresh[j].p ||
            (this.points[i] === fresh[j].p && this.owners[i] <= fresh[j].o)));
      if (takeOld) {
        points[k] = this.points[i];
        owners[k] = this.owners[i++];
      } else {
        points[k] = fresh[j].p;
        owners[k] = fresh[j++].o;
      }
    }
    this.points = points;
    this.owners = owners;
  }

  /** Removes members; their keys move to their clockwise neighbours. */
  remove(ids: Iterable<string>): void {
    const gone = new Set<string>();
    for (const id of ids) if (this.memberSet.delete(id)) gone.add(id);
    if (gone.size === 0) return;
    const entries: { p: number; o: string }[] = [];
    for (let i = 0; i < this.points.length; i++) {
      if (!gone.has(this.owners[i])) entries.push({ p: this.points[i], o: this.owners[i] });
    }
    this.rebuild(entries);
  }

  /** The owner of `key` (undefined on an empty ring). */
  owner(key: string): string | undefined {
    return this.walk(key, () => true);
  }

  /**
   * The first member clockwise of `key`'s hash that `accept`s, visiting each member at most
   * once; undefined when none does.
   */
  walk(key: string, accept: (id: string) => boolean): string | undefined {
    const n = this.points.length;
    if (n === 0) return undefined;
    const h = hash32(key);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    let rejected: Set<string> | undefined;
    for (let step = 0; step < n; step++) {
      const id = this.owners[(lo + step) % n];
      if (rejected?.has(id)) continue;
      if (accept(id)) return id;
      (rejected ??= new Set()).add(id);
      if (rejected.size === this.memberSet.size) return undefined;
    }
    return undefined;
  }

  private rebuild(entries: { p: number; o: string }[]): void {
    entries.sort(byPointThenOwner);
    this.points = Uint32Array.from(entries, (e) => e.p);
    this.owners = entries.map((e) => e.o);
  }
}

/** Ties between points are broken by owner so every gateway builds the same ring. */
function byPointThenOwner(a: { p: number; o: string }, b: { p: number; o: string }): number {
  return a.p - b.p || (a.o < b.o ? -1 : a.o > b.o ? 1 : 0);
}
