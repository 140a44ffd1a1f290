interface Slot<V> {
  readonly value: V;
  readonly bytes: number;
}

/**
 * A least-recently-used map bounded by the (estimated) bytes of its values, not their count. A value
 * larger than `maxEntryBytes` is not kept at all, so one huge value never empties the cache.
 */
export class ByteLru<K, V> {
  private readonly slots = new Map<K, Slot<V>>();
  private total = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number = maxBytes,
  ) {}

  /** The value, made the most recently used. */
  get(key: K): V | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    this.slots.delete(key); // re-insert: Map order is the eviction order
    this.slots.set(key, slot);
    return slot.value;
  }

  /** The value, its recency unchanged. */
  peek(key: K): V | undefined {
    return this.slots.get(key)?.value;
  }

  /** Keeps `value` as the most recently used, evicting the least recently used past the budget. False: too large to keep (and any older value of `key` is dropped). */
  set(key: K, value: V, bytes: number): boolean {
    this.delete(key);
    if (bytes > this.maxEntryBytes) return false;
    this.slots.set(key, { value, bytes });
    this.total += bytes;
    for (const [oldest, slot] of this.slots) {
      if (this.total <= this.maxBytes) break;
      this.slots.delete(oldest);
      this.total -= slot.bytes;
    }
    return true;
  }

  delete(key: K): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    this.slots.delete(key);
    this.total -= slot.bytes;
  }

  stats(): { entries: number; bytes: number } {
    return { entries: this.slots.size, bytes: this.total };
  }
}
