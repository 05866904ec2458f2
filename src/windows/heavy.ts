// Heavy hitters in the process: a Space-Saving sketch (Metwally, Agrawal, El Abbadi 2005) per key
// kind, so a worker can tell a key that keeps coming back from the long tail of one-off keys
// without asking Redis. Pure.
//
// The sketch holds at most `capacity` keys. A key it holds counts up; a key it does not hold takes
// the place of the smallest count and starts from that count plus its own weight, so an estimate
// never undercounts: a key with true weight w over the sketch's lifetime has an estimate ≥ w, and
// overestimates by at most (total weight) / capacity. Keys that really repeat are therefore never
// missed; a few one-off keys are taken for heavy, which costs only their full windows.

/** One kind's sketch. `estimate` is an upper bound of the weight the key was offered. */
export class SpaceSaving {
  private readonly counts = new Map<string, number>();
  /** Keys by count, lowest first, rebuilt lazily when an eviction needs the minimum. */
  private order: string[] = [];
  private orderAt = 0;
  /** The smallest count when `order` was built. */
  private floorHint = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.counts.size;
  }

  estimate(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Adds `weight` to `key` and returns its new estimate. */
  offer(key: string, weight = 1): number {
    const held = this.counts.get(key);
    if (held !== undefined) {
      this.counts.set(key, held + weight);
      return held + weight;
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(key, weight);
      return weight;
    }
    const [victim, floor] = this.minimum();
    this.counts.delete(victim);
    this.counts.set(key, floor + weight);
    return floor + weight;
  }

  /** Halves every count (old weight fades, so the sketch follows what is heavy now). */
  decay(): void {
    for (const [k, c] of this.counts) {
      const half = Math.floor(c / 2);
      if (half === 0) this.counts.delete(k);
      else this.counts.set(k, half);
    }
    this.order = [];
  }

  /**
   * The held key with the smallest count. Sorting on demand and walking the sorted list keeps an
   * eviction O(1) amortised: counts only grow between rebuilds, so a key further along the list
   * that still has its listed count is a true minimum once the ones before it are gone or grew.
   */
  private minimum(): [string, number] {
    for (;;) {
      while (this.orderAt < this.order.length) {
        const k = this.order[this.orderAt++] as string;
        const c = this.counts.get(k);
        if (c !== undefined && c <= this.floorHint) return [k, c];
      }
      this.order = [...this.counts.keys()].sort((a, b) => (this.counts.get(a) ?? 0) - (this.counts.get(b) ?? 0));
      this.orderAt = 0;
      this.floorHint = this.counts.get(this.order[0] as string) ?? 0;
    }
  }
}
