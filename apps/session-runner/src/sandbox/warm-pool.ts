import type { HelperChannel } from './helper-channel';

/** A started, inspected container with an empty workspace of its own, waiting for a new session. */
export interface PoolEntry {
  readonly id: string;
  /** Its workspace directory on the host; a session that takes it renames the directory to its own. */
  readonly dir: string;
  readonly helper?: Promise<HelperChannel>;
}

/**
 * A few pre-started containers, so that a new session's first tool call skips create and start. A
 * bind mount follows the directory it was made from, so a claimed container sees the session's
 * workspace once the directory is renamed; it is never restarted (its mount source is gone), only
 * removed, after which the session gets a container of its own on the same workspace.
 */
export class WarmPool {
  private readonly ready: PoolEntry[] = [];
  private filling?: Promise<void>;

  constructor(
    private readonly size: number,
    private readonly make: () => Promise<PoolEntry>,
    private readonly log?: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  ids(): Set<string> {
    return new Set(this.ready.map((e) => e.id));
  }

  /** A ready container, or none; the pool refills behind it. */
  take(): PoolEntry | undefined {
    const entry = this.ready.shift();
    if (entry) void this.fill();
    return entry;
  }

  /** Puts back an entry that could not be used (its directory was not moved). */
  giveBack(entry: PoolEntry) {
    this.ready.unshift(entry);
  }

  fill(): Promise<void> {
    this.filling ??= (async () => {
      try {
        while (this.ready.length < this.size) this.ready.push(await this.make());
      } catch (error) {
        this.log?.('the warm pool could not start a sandbox', { error: String(error) });
      } finally {
        this.filling = undefined;
      }
    })();
    return this.filling;
  }

  /** Empties the pool; the caller removes or keeps the containers. */
  drain(): PoolEntry[] {
    return this.ready.splice(0);
  }
}
