import type { Envelope, EventDefinition } from '@clawfleet/contracts';
import { TransientError, injectTraceContext } from '@clawfleet/platform';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { z } from 'zod';
import { encodeEvent } from './codec';
import { PubAcks } from './pub-acks';

export const HEADER_EVENT_TYPE = 'Clawfleet-Event-Type';
export const HEADER_TENANT = 'Clawfleet-Tenant';
const PUBLISH_TIMEOUT_MS = 5_000;

export interface RawMessage {
  readonly subject: string;
  readonly payload: Uint8Array;
  /** Nats-Msg-Id: JetStream drops a second publish with the same id within the duplicate window. */
  readonly msgId: string;
  readonly headers?: Record<string, string>;
}

/** The narrow publishing port apps get: validated, deduplicated, traced. */
export class Publisher {
  /** With the connection: JetStream publishes and acks over one subscription (see PubAcks); without, `js.publish`. */
  private readonly acks?: PubAcks;

  constructor(
    private readonly js: JetStreamClient,
    private readonly nc?: NatsConnection,
  ) {
    if (nc) this.acks = new PubAcks(nc);
  }

  /**
   * Fire-and-forget on core NATS, for what may be lost (progress of a reply being written): no
   * stream stores it and nobody acknowledges it. Still validated against its contract.
   */
  publishEphemeral<T extends string, S extends z.ZodType>(
    definition: EventDefinition<T, S>,
    subject: string,
    envelope: Envelope<T, z.infer<S>>,
  ): void {
    if (!this.nc) throw new Error('publishEphemeral needs the NATS connection');
    this.nc.publish(subject, encodeEvent(definition, envelope));
  }

  /** Validates against the contract and publishes; msgId defaults to the envelope id. */
  async publish<T extends string, S extends z.ZodType>(
    definition: EventDefinition<T, S>,
    subject: string,
    envelope: Envelope<T, z.infer<S>>,
    options: { msgId?: string } = {},
  ): Promise<PubAck> {
    const payload = encodeEvent(definition, envelope);
    return this.publishRaw({
      subject,
      payload,
      msgId: options.msgId ?? envelope.id,
      headers: { [HEADER_EVENT_TYPE]: envelope.type, [HEADER_TENANT]: envelope.tenantId },
    });
  }

  /** Publishes bytes that were validated when they were written (the outbox relay). */
  async publishRaw(message: RawMessage): Promise<PubAck> {
    const hdrs: MsgHdrs = natsHeaders();
    for (const [key, value] of Object.entries(message.headers ?? {})) hdrs.set(key, value);
    if (!hdrs.has('traceparent')) injectTraceContext({ get: (k) => hdrs.get(k) || undefined, set: (k, v) => hdrs.set(k, v) });
    try {
      return this.acks
        ? await this.acks.publish(message.subject, message.payload, hdrs, message.msgId, PUBLISH_TIMEOUT_MS)
        : await this.js.publish(message.subject, message.payload, {
            msgID: message.msgId,
            headers: hdrs,
            timeout: PUBLISH_TIMEOUT_MS,
          });
    } catch (error) {
      throw new TransientError(`publish to ${message.subject} failed: ${(error as Error).message}`);
    }
  }
}
