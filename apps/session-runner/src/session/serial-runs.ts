/**
 * At most one run per key at a time, and none missed: a key kicked while its run is going runs once
 * more when that run ends (however many kicks came meanwhile), because the kick may carry work the
 * ending run has already decided it does not have.
 */
export class SerialRuns<K> {
  private readonly active = new Map<K, Promise<void>>();
  /** Keys kicked during their run, with what the latest such kick would run after it. */
  private readonly again = new Map<K, () => Promise<void>>();

  /** `onError` hears a run that threw; the key is free (and runs again if kicked) either way. */
  constructor(private readonly onError: (error: unknown, key: K) => void) {}

  get size(): number {
    return this.active.size;
  }

  has(key: K): boolean {
    return this.active.has(key);
  }

  /**
   * Starts `first()` for the key unless a run of it is going; then `later()` runs after that one
   * ends instead (`first` may use what only this kick has, such as a state it just wrote, which is
   * stale by then). Returns whether `first` was started.
   */
  kick(key: K, first: () => Promise<void>, later: () => Promise<void> = first): boolean {
    if (this.active.has(key)) {
      this.again.set(key, later);
      return false;
    }
    const run = first()
      .catch((error: unknown) => this.onError(error, key))
      .finally(() => {
        this.active.delete(key);
        const next = this.again.get(key);
        if (next) {
          this.again.delete(key);
          this.kick(key, next);
        }
      });
    this.active.set(key, run);
    return true;
  }

  /** Resolves when every run going now, and every rerun they lead to, has ended. */
  async drained(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled(this.active.values());
  }
}
