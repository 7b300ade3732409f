/**
 * A uniform random sample of at most `capacity` values from a stream of unknown length
 * (Vitter's algorithm R), so a busy second costs the same memory as a quiet one.
 */
export class Reservoir {
  private values: number[] = [];
  private seen = 0;

  constructor(
    readonly capacity: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be an integer >= 1, got ${capacity}`);
    }
  }

  add(value: number): void {
    this.seen++;
    if (this.values.length < this.capacity) {
      this.values.push(value);
      return;
    }
    const slot = Math.floor(this.random() * this.seen);
    if (slot < this.capacity) this.values[slot] = value;
  }

  /** Values offered since the last {@link take}. */
  get count(): number {
    return this.seen;
  }

  /** The sample so far, then starts a new one. */
  take(): number[] {
    const out = this.values;
    this.values = [];
    this.seen = 0;
    return out;
  }
}
