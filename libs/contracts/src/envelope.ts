import { z } from 'zod';

/** A tenant id is one NATS subject token: lowercase, digits, `_` and `-`. */
export const TenantId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'tenantId must be 1-63 of [a-z0-9_-]');
export type TenantId = z.infer<typeof TenantId>;

/** Envelope fields shared by every message on the bus. `data` is typed per event below. */
export const EnvelopeBase = z.object({
  /** UUIDv7 (or a v5 derived from a natural key when the event must be deduplicated). */
  id: z.uuid(),
  type: z.string().min(1).max(100),
  schemaVersion: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  tenantId: TenantId,
  /** The id of the first message of the causal chain (the inbound message, the scheduled fire, ...). */
  correlationId: z.string().min(1).max(200),
  /** The id of the message that directly caused this one; null for an origin. */
  causationId: z.string().min(1).max(200).nullable(),
  data: z.unknown(),
});
export type EnvelopeBase = z.infer<typeof EnvelopeBase>;

/** A message of type T with data D, as it travels on the bus. */
export interface Envelope<T extends string = string, D = unknown> {
  readonly id: string;
  readonly type: T;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly tenantId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly data: D;
}

/** The definition of one event type: its name, its current schema version and its data schema. */
export interface EventDefinition<T extends string, S extends z.ZodType> {
  readonly type: T;
  readonly schemaVersion: number;
  readonly data: S;
  /** The full envelope schema, with `type` and `data` narrowed. */
  readonly envelope: z.ZodType<Envelope<T, z.infer<S>>>;
}

export function defineEvent<T extends string, S extends z.ZodType>(
  type: T,
  schemaVersion: number,
  data: S,
): EventDefinition<T, S> {
  const envelope = EnvelopeBase.extend({
    type: z.literal(type),
    schemaVersion: z.literal(schemaVersion),
    data,
  }) as unknown as z.ZodType<Envelope<T, z.infer<S>>>;
  return { type, schemaVersion, data, envelope };
}

export type EventOf<D> = D extends EventDefinition<infer T, infer S> ? Envelope<T, z.infer<S>> : never;
