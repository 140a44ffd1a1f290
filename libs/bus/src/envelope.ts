import type { Envelope, EventDefinition } from '@clawfleet/contracts';
import { systemClock, uuidV7Ids, type Clock, type IdGenerator } from '@clawfleet/platform';
import type { z } from 'zod';

export interface EnvelopeInput<D> {
  readonly tenantId: string;
  readonly data: D;
  /** Defaults to the new event's own id: the event starts a causal chain. */
  readonly correlationId?: string;
  readonly causationId?: string | null;
  /** A deterministic id, when the event must be deduplicated on a natural key. */
  readonly id?: string;
}

/** Builds a new envelope of an event type; time and ids come from injectable sources. */
export function makeEnvelope<T extends string, S extends z.ZodType>(
  definition: EventDefinition<T, S>,
  input: EnvelopeInput<z.infer<S>>,
  sources: { clock?: Clock; ids?: IdGenerator } = {},
): Envelope<T, z.infer<S>> {
  const id = input.id ?? (sources.ids ?? uuidV7Ids).next();
  return {
    id,
    type: definition.type,
    schemaVersion: definition.schemaVersion,
    occurredAt: (sources.clock ?? systemClock).now().toISOString(),
    tenantId: input.tenantId,
    correlationId: input.correlationId ?? id,
    causationId: input.causationId ?? null,
    data: input.data,
  };
}

/** An envelope caused by another: same tenant and correlation, causation = the cause's id. */
export function causedBy(cause: Envelope): { tenantId: string; correlationId: string; causationId: string } {
  return { tenantId: cause.tenantId, correlationId: cause.correlationId, causationId: cause.id };
}
