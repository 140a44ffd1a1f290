import type { Evolve, Loaded, SnapshotPolicy } from './aggregate';
import { approxBytes } from './approx-bytes';
import { ByteLru } from './byte-lru';
import type { EventStore } from './event-store';
import type { RecordedEvent } from './types';

interface Entry<S> {
  readonly tenantId: string;
  readonly state: S;
  readonly version: number;
  readonly snapshotVersion: number;
  /** The state's estimated size: measured at a snapshot, then grown by each event folded in. */
  readonly bytes: number;
}

export interface StateCacheOptions {
  /** Estimated bytes of all cached states together. */
  readonly maxBytes?: number;
  /** A state estimated above this share of `maxBytes` is not cached (it is loaded from its snapshot). */
  readonly maxEntryShare?: number;
}

export const DEFAULT_STATE_CACHE_BYTES = 256 * 1024 * 1024;

/** The estimated growth of a state by the events folded into it: the events' data, walked once each. */
function eventBytes(events: readonly { data: unknown }[]): number {
  let bytes = 0;
  for (const event of events) bytes += approxBytes(event.data);
  return bytes;
}

/**
 * Stream states kept in memory by the process that works on them. A load reads only the events
 * after the cached version (usually none or one), so a long session is never re-read or re-parsed
 * from its snapshot on the hot path. A stale entry is harmless: what it misses is read and folded.
 * Snapshots are written in the background every `snapshots.every` events past the last one.
 */
export class StreamStateCache<S, E extends { type: string; data: unknown }> {
  private readonly entries: ByteLru<string, Entry<S>>;

  constructor(
    private readonly store: EventStore,
    private readonly model: { evolve: Evolve<S, E>; initial: S; snapshots: SnapshotPolicy },
    options: StateCacheOptions = {},
  ) {
    const maxBytes = options.maxBytes ?? DEFAULT_STATE_CACHE_BYTES;
    this.entries = new ByteLru(maxBytes, maxBytes * (options.maxEntryShare ?? 1 / 8));
  }

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
    // Grown by what was folded in; an evolve that drops content (compaction) makes it an overestimate
    // until the next snapshot measures the state again.
    let bytes = base.bytes + eventBytes(events);
    if (version - snapshotVersion >= this.model.snapshots.every) {
      snapshotVersion = version;
      const snapshot = { version, schemaVersion: this.model.snapshots.schemaVersion, state };
      void this.store.saveSnapshot(tenantId, streamId, snapshot).catch(() => undefined); // an optimisation only
      bytes = approxBytes(state); // the snapshot serializes the whole state anyway, every `every` events
    }
    if (version > 0) this.put(streamId, { tenantId, state, version, snapshotVersion, bytes });
    return { state, version };
  }

  /**
   * The cached state without reading the store: possibly behind. Fit only for a decision whose
   * append carries the expected version, so a stale guess fails with a conflict and is retaken.
   */
  peek(tenantId: string, streamId: string): Loaded<S> | undefined {
    const cached = this.entries.peek(streamId);
    return cached?.tenantId === tenantId ? { state: cached.state, version: cached.version } : undefined;
  }

  /**
   * The state a writer reached with its own append: the next load starts from it. `appended`, the
   * events of that append, lets the size be grown from the cached one instead of measured again.
   */
  remember(tenantId: string, streamId: string, loaded: Loaded<S>, appended?: readonly E[]): void {
    const cached = this.entries.peek(streamId);
    if (cached && (cached.tenantId !== tenantId || cached.version >= loaded.version)) return;
    const follows = cached && appended && cached.version + appended.length === loaded.version;
    const bytes = follows ? cached.bytes + eventBytes(appended) : approxBytes(loaded.state);
    this.put(streamId, { tenantId, ...loaded, snapshotVersion: cached?.snapshotVersion ?? 0, bytes });
  }

  /** Cached states and their estimated bytes. */
  stats(): { entries: number; bytes: number } {
    return this.entries.stats();
  }

  /** Drops the stream's entry (its writer lost it to another process): the next load starts from the store. */
  forget(tenantId: string, streamId: string): void {
    if (this.entries.get(streamId)?.tenantId === tenantId) this.entries.delete(streamId);
  }

  private async fromSnapshot(tenantId: string, streamId: string): Promise<Entry<S>> {
    const snapshot = await this.store.loadSnapshot<S>(tenantId, streamId, this.model.snapshots.schemaVersion);
    // Measured once per cache miss, right after the snapshot was parsed from its JSON (as costly).
    return snapshot
      ? {
          tenantId,
          state: snapshot.state,
          version: snapshot.version,
          snapshotVersion: snapshot.version,
          bytes: approxBytes(snapshot.state),
        }
      : { tenantId, state: this.model.initial, version: 0, snapshotVersion: 0, bytes: approxBytes(this.model.initial) };
  }

  /** Least recently used first out past the byte budget; a state too large to keep is read from its snapshot each time. */
  private put(streamId: string, entry: Entry<S>): void {
    this.entries.set(streamId, entry, entry.bytes);
  }
}
