import { EnvelopeBase, Events, type AnyEvent, type Envelope, type EventDefinition } from '@clawfleet/contracts';
import { ValidationError } from '@clawfleet/platform';
import type { z } from 'zod';

/** Largest message the bus accepts from a publisher; NATS' own limit is 1 MiB by default. */
export const MAX_MESSAGE_BYTES = 900 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Validates an envelope against its event definition and encodes it. Throws ValidationError. */
export function encodeEvent<T extends string, S extends z.ZodType>(
  definition: EventDefinition<T, S>,
  envelope: Envelope<T, z.infer<S>>,
): Uint8Array {
  const result = definition.envelope.safeParse(envelope);
  if (!result.success) throw new ValidationError(`invalid ${definition.type} event: ${describe(result.error)}`);
  const bytes = encoder.encode(JSON.stringify(result.data));
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new ValidationError(`${definition.type} event is ${bytes.length} bytes, over ${MAX_MESSAGE_BYTES}`);
  }
  return bytes;
}

/** Decodes and validates a message from the bus: JSON, envelope, known type and version, data. */
export function decodeEvent(bytes: Uint8Array): AnyEvent {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new ValidationError('message is not valid JSON');
  }
  const base = EnvelopeBase.safeParse(json);
  if (!base.success) throw new ValidationError(`invalid envelope: ${describe(base.error)}`);
  const definition = (Events as Record<string, EventDefinition<string, z.ZodType>>)[base.data.type];
  if (!definition) throw new ValidationError(`unknown event type "${base.data.type}"`);
  if (base.data.schemaVersion !== definition.schemaVersion) {
    throw new ValidationError(
      `unsupported schemaVersion ${base.data.schemaVersion} for ${base.data.type} (expected ${definition.schemaVersion})`,
    );
  }
  const full = definition.envelope.safeParse(json);
  if (!full.success) throw new ValidationError(`invalid ${base.data.type} event: ${describe(full.error)}`);
  return full.data as AnyEvent;
}
