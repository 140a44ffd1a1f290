import type { ChannelAuth, ChannelCaller } from './channel-auth';

interface Watched {
  readonly caller: ChannelCaller;
  readonly end: () => void;
}

/**
 * Checks the keys of the open reply streams again and again, each distinct key once per round, and
 * ends the streams of a key that was revoked or expired: a stream opened with a key lasts no longer
 * than the key (about `everyMs` plus the verifier's cache time). A round that cannot read the keys
 * (PostgreSQL down, nothing recent enough cached) ends nothing: streams only carry replies to
 * messages the key already posted, and posts are refused meanwhile.
 */
export class KeyWatch {
  private readonly watched = new Set<Watched>();
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly auth: ChannelAuth,
    private readonly everyMs: number,
  ) {}

  /** Calls `end` once the caller's key no longer may chat; the returned function stops watching. */
  watch(caller: ChannelCaller, end: () => void): () => void {
    const entry = { caller, end };
    this.watched.add(entry);
    this.timer ??= setInterval(() => void this.round(), this.everyMs).unref();
    return () => {
      this.watched.delete(entry);
      if (this.watched.size === 0) this.stop();
    };
  }

  get size(): number {
    return this.watched.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async round(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const byKey = new Map<string, Watched[]>();
      for (const entry of this.watched) byKey.set(entry.caller.key, [...(byKey.get(entry.caller.key) ?? []), entry]);
      await Promise.all(
        [...byKey.values()].map(async (entries) => {
          const valid = await this.auth.stillValid(entries[0]!.caller).catch(() => true);
          if (!valid) for (const entry of entries) entry.end();
        }),
      );
    } finally {
      this.checking = false;
    }
  }
}
