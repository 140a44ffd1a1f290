import type { Evolve, Loaded, SnapshotPolicy } from './aggregate';
import type { EventStore } from './event-store';
import type { RecordedEvent } from './types';

interface Entry<S> {
  readonly tenantId: string;
  readonly state: S;
  readonly version: number;
  readonly snapshotVersion: number;
}

/**
 * Stream states kept in memory by the process that works on them. A load reads only the events
 * after the cached version (usually none or one), so a long session is never re-read or re-parsed
 * from its snapshot on the hot path. A stale entry is harmless: what it misses is read and folded.
 * Snapshots are written in the background every `snapshots.every` events past the last one.
 */
export class StreamStateCache<S, E extends { type: string; data: unknown }> {
  private readonly entries = new Map<string, Entry<S>>();

  constructor(
    private readonly store: EventStore,
    private readonly model: { evolve: Evolve<S, E>; initial: S; snapshots: SnapshotPolicy },
    private readonly capacity = 10_000,
  ) {}

  async load(tenantId: string, streamId: string): Promise<Loaded<S>> {
    const cached = this.entries.get(streamId);
    const base: Entry<S> = cached?.tenantId === tenantId ? cached : await this.fromSnapshot(tenantId, streamId);
    const events = (await this.store.readStream(tenantId, streamId, base.version)) as RecordedEvent<E>[];
    let { state, version } = base;
    for (const event of events) {
      state = this.model.evolve(state, event);
      version = event.version;
    }
    let snapshotVersion = base.snapshotVersion;
    if (version - snapshotVersion >= this.model.snapshots.every) {
      snapshotVersion = version;
      const snapshot = { version, schemaVersion: this.model.snapshots.schemaVersion, state };
      void this.store.saveSnapshot(tenantId, streamId, snapshot).catch(() => undefined); // an optimisation only
    }
    if (version > 0) this.put(streamId, { tenantId, state, version, snapshotVersion });
    return { state, version };
  }

  /**
   * The cached state without reading the store: possibly behind. Fit only for a decision whose
   * append carries the expected version, so a stale guess fails with a conflict and is retaken.
   */
  peek(tenantId: string, streamId: string): Loaded<S> | undefined {
    const cached = this.entries.get(streamId);
    return cached?.tenantId === tenantId ? { state: cached.state, version: cached.version } : undefined;
  }

  /** The state a writer reached with its own append: the next load starts from it. */
  remember(tenantId: string, streamId: string, loaded: Loaded<S>): void {
    const cached = this.entries.get(streamId);
    if (cached && (cached.tenantId !== tenantId || cached.version >= loaded.version)) return;
    this.put(streamId, { tenantId, ...loaded, snapshotVersion: cached?.snapshotVersion ?? 0 });
  }

  /** Drops the stream's entry (its writer lost it to another process): the next load starts from the store. */
  forget(tenantId: string, streamId: string): void {
    if (this.entries.get(streamId)?.tenantId === tenantId) this.entries.delete(streamId);
  }

  private async fromSnapshot(tenantId: string, streamId: string): Promise<Entry<S>> {
    const snapshot = await this.store.loadSnapshot<S>(tenantId, streamId, this.model.snapshots.schemaVersion);
    return snapshot
      ? { tenantId, state: snapshot.state, version: snapshot.version, snapshotVersion: snapshot.version }
      : { tenantId, state: this.model.initial, version: 0, snapshotVersion: 0 };
  }

  private put(streamId: string, entry: Entry<S>): void {
    this.entries.delete(streamId); // re-insert: Map order is the eviction order
    this.entries.set(streamId, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}
