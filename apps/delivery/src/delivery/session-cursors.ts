/**
 * Per session, its delivery cursor (highest settled seq) as this process last read or wrote it, so
 * that the common case skips the read: a reply's first delivery, right after the reply this process
 * settled last. The store cannot be behind that value, and it can be ahead only if another process
 * settled this very reply, which it received first — then this process gets it as a redelivery
 * (count > 1), or as a copy of the reply in the stream, which the bus deduplicates for its duplicate
 * window. So the cursor is trusted only for first deliveries to idempotent senders (a resend of such a
 * copy is dropped there too); everything else reads the store. Bounded: the least recently used
 * sessions are forgotten first.
 */
export class SessionCursors {
  private readonly cursors = new Map<string, number>();

  constructor(private readonly capacity = 50_000) {}

  get size(): number {
    return this.cursors.size;
  }

  /** The remembered cursor when it may stand for the store's, for a reply `seq` delivered `deliveryCount` times. */
  trusted(key: string, seq: number, deliveryCount: number, idempotentSender: boolean): number | undefined {
    const known = this.cursors.get(key);
    return known === seq - 1 && deliveryCount === 1 && idempotentSender ? known : undefined;
  }

  remember(key: string, settled: number): void {
    this.cursors.delete(key); // re-inserted last: the Map's order is least recently used first
    this.cursors.set(key, settled);
    if (this.cursors.size > this.capacity) this.cursors.delete(this.cursors.keys().next().value!);
  }
}
