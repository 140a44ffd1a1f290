/** An event to append. `id` makes the append idempotent when derived from its cause. */
export interface NewEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> {
  readonly id: string;
  readonly type: E['type'];
  readonly data: E['data'];
  readonly metadata?: Record<string, unknown>;
}

export interface RecordedEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> {
  readonly streamId: string;
  readonly tenantId: string;
  readonly version: number;
  readonly globalPosition: bigint;
  readonly id: string;
  readonly type: E['type'];
  readonly data: E['data'];
  readonly metadata: Record<string, unknown>;
  readonly recordedAt: Date;
}

/** A message to publish on the bus once the append commits (transactional outbox). */
export interface OutboxMessage {
  readonly subject: string;
  /** Nats-Msg-Id: the relay may publish twice after a crash; JetStream keeps one. */
  readonly messageId: string;
  /** The encoded, validated envelope. */
  readonly payload: string;
  readonly headers?: Record<string, string>;
}

export interface Snapshot<S> {
  readonly version: number;
  readonly schemaVersion: number;
  readonly state: S;
}
