import { encodeEvent } from '@clawfleet/bus';
import type { Envelope, EventDefinition } from '@clawfleet/contracts';
import { injectTraceContext } from '@clawfleet/platform';
import type { z } from 'zod';
import type { OutboxMessage } from './types';

const decoder = new TextDecoder();

/**
 * An outbox message for an event: validated against its contract now, so the relay publishes bytes
 * that are known good, with the trace context of the transaction that wrote it.
 */
export function outboxMessage<T extends string, S extends z.ZodType>(
  definition: EventDefinition<T, S>,
  subject: string,
  envelope: Envelope<T, z.infer<S>>,
  msgId: string = envelope.id,
): OutboxMessage {
  const headers: Record<string, string> = {
    'Clawfleet-Event-Type': envelope.type,
    'Clawfleet-Tenant': envelope.tenantId,
  };
  injectTraceContext({ get: (k) => headers[k], set: (k, v) => (headers[k] = v) });
  return { subject, messageId: msgId, payload: decoder.decode(encodeEvent(definition, envelope)), headers };
}
