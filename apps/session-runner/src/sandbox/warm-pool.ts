import type { HelperChannel } from './helper-channel';

/**
 * A started, inspected container on an empty directory of its own, waiting for a new session, with
 * its helper (in `helper` exec mode) started and answering: taking one costs no call to the engine.
 */
export interface PoolEntry {
  readonly id: string;
  /** Its pool id: its directory is <root>/<namespace>/_ws/<poolId>. */
  readonly poolId: string;
  /** That directory on the host: a session that takes the entry takes it as its workspace. */
  readonly dir: string;
  readonly helper?: HelperChannel;
}

/**
 * A few pre-started containers, so that a new session's first tool call skips create, start and the
 * helper's start. A session takes one by pointing its workspace path at the entry's directory (see
 * DockerSandboxes.claim); the directory never moves, so the container can be restarted and adopted
 * like any other.
 */
export class WarmPool {
  private readonly ready: PoolEntry[] = [];
  private filling?: Promise<void>;

  constructor(
    private readonly size: number,
    private readonly make: () => Promise<PoolEntry>,
    private readonly discard: (entry: PoolEntry) => Promise<void>,
    private readonly log?: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  ids(): Set<string> {
    return new Set(this.ready.map((e) => e.id));
  }

  /**
   * A ready container, or none. An entry whose helper died is discarded. The caller refills the pool
   * (`fill`) once its call is done: a container being created meanwhile would slow that very call.
   */
  take(): PoolEntry | undefined {
    let entry: PoolEntry | undefined;
    while ((entry = this.ready.shift()) && entry.helper?.dead) void this.discard(entry);
    return entry;
  }

  /** Puts back an entry that could not be used (no session took its directory). */
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
