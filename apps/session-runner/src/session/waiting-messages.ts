import type { SessionRef } from '../work/session-leases';
import type { RecordUserMessage } from './session.decider';

interface Waiting {
  readonly session: SessionRef;
  readonly command: RecordUserMessage;
  /** When this process first saw the message wait (ms). */
  readonly since: number;
}

/**
 * Messages that arrived before their predecessor, kept in memory by seq so that recording the
 * predecessor records them right after it, instead of each waiting out its own redelivery delay
 * (after a paused runner's messages come back, a chat's successors would otherwise go one per
 * backoff step, slower than new ones arrive). Only a copy: the bus message stays unacknowledged and
 * is redelivered as before, so losing this buffer (a crash, an eviction) loses nothing.
 */
export class WaitingMessages {
  private readonly sessions = new Map<string, Map<number, Waiting>>();
  private count = 0;

  constructor(private readonly capacity = 10_000) {}

  get size(): number {
    return this.count;
  }

  /** Keeps a message that waits; a full buffer keeps nothing more (the bus still redelivers it). */
  park(session: SessionRef, command: RecordUserMessage, now: number): void {
    let bySeq = this.sessions.get(session.streamId);
    if (bySeq?.has(command.seq) || this.count >= this.capacity) return;
    if (!bySeq) this.sessions.set(session.streamId, (bySeq = new Map()));
    bySeq.set(command.seq, { session, command, since: now });
    this.count++;
  }

  /** The waiting message that comes right after `lastSeq` in the session, taken out; earlier ones are dropped. */
  next(streamId: string, lastSeq: number): RecordUserMessage | undefined {
    const bySeq = this.sessions.get(streamId);
    if (!bySeq) return undefined;
    for (const seq of [...bySeq.keys()]) if (seq <= lastSeq) this.remove(streamId, seq);
    const found = bySeq.get(lastSeq + 1);
    if (found) this.remove(streamId, lastSeq + 1);
    return found?.command;
  }

  /** Per session with waiting messages: the first of them, and since when the session has waited. */
  heads(): Array<{ session: SessionRef; command: RecordUserMessage; since: number }> {
    const out = [];
    for (const bySeq of this.sessions.values()) {
      let head: Waiting | undefined;
      let since = Infinity;
      for (const w of bySeq.values()) {
        if (!head || w.command.seq < head.command.seq) head = w;
        since = Math.min(since, w.since);
      }
      if (head) out.push({ session: head.session, command: head.command, since });
    }
    return out;
  }

  /** Starts the session's wait over (the store did not answer, so nothing was learnt about the gap). */
  restart(streamId: string, now: number): void {
    const bySeq = this.sessions.get(streamId);
    if (!bySeq) return;
    for (const [seq, w] of bySeq) bySeq.set(seq, { ...w, since: now });
  }

  /** Forgets a session's waiting messages (the bus redelivers them). */
  forget(streamId: string): void {
    this.count -= this.sessions.get(streamId)?.size ?? 0;
    this.sessions.delete(streamId);
  }

  private remove(streamId: string, seq: number): void {
    const bySeq = this.sessions.get(streamId);
    if (!bySeq?.delete(seq)) return;
    this.count--;
    if (bySeq.size === 0) this.sessions.delete(streamId);
  }
}
