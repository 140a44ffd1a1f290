import type { AnyEvent, ConsumerSpec, Topology } from '@clawfleet/contracts';
import { extractTraceContext, isRetryable, tracer } from '@clawfleet/platform';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { decodeEvent } from './codec';
import type { Publisher } from './publisher';

export const HEADER_DLQ_REASON = 'Clawfleet-Dlq-Reason';
export const HEADER_DLQ_CONSUMER = 'Clawfleet-Dlq-Consumer';
export const HEADER_DLQ_SUBJECT = 'Clawfleet-Dlq-Subject';
export const HEADER_DLQ_STREAM_SEQ = 'Clawfleet-Dlq-Stream-Seq';
export const HEADER_DLQ_DELIVERIES = 'Clawfleet-Dlq-Deliveries';

export interface MessageContext {
  readonly subject: string;
  readonly streamSeq: number;
  readonly deliveryCount: number;
  readonly consumer: string;
  /** When the message was published (JetStream's timestamp, ms since the epoch). */
  readonly publishedAt: number;
}

/** A handler returns to have the message acked, or throws: see `dispositionOf`. */
export type EventHandler = (event: AnyEvent, context: MessageContext) => Promise<void>;

export type Disposition =
  | { kind: 'ack' }
  | { kind: 'nak'; delayMs: number }
  | { kind: 'dead-letter'; reason: string };

/** Where a message stands in its retries: deliveries so far, and how long ago it was published. */
export interface DeliveryState {
  readonly count: number;
  readonly ageMs: number;
}

/**
 * The one place an outcome becomes a JetStream disposition. A retryable failure is naked with the
 * consumer's backoff until the message is older than its time budget and has had its minimum
 * deliveries: a count alone runs out in a minute of a PostgreSQL outage.
 */
export function dispositionOf(
  outcome: { ok: true } | { ok: false; error: unknown },
  delivery: DeliveryState,
  spec: Pick<ConsumerSpec, 'retryBudgetMs' | 'minDeliveries' | 'backoffMs'>,
): Disposition {
  if (outcome.ok) return { kind: 'ack' };
  const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  if (!isRetryable(outcome.error)) return { kind: 'dead-letter', reason: message };
  if (delivery.count >= spec.minDeliveries && delivery.ageMs >= spec.retryBudgetMs) {
    const seconds = Math.round(delivery.ageMs / 1_000);
    return { kind: 'dead-letter', reason: `gave up after ${delivery.count} deliveries in ${seconds} s: ${message}` };
  }
  const step = Math.min(delivery.count - 1, spec.backoffMs.length - 1);
  return { kind: 'nak', delayMs: spec.backoffMs[Math.max(step, 0)] ?? 1_000 };
}

/** Milliseconds since JetStream stored the message (its publish), never negative. */
export function ageOf(msg: Pick<JsMsg, 'info'>, now = Date.now()): number {
  return Math.max(0, now - msg.info.timestampNanos / 1e6);
}

/** Bounds the messages one process handles at once. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  private readonly idle: Array<() => void> = [];
  constructor(readonly size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) return next();
    this.free++;
    if (this.free === this.size) this.idle.splice(0).forEach((resolve) => resolve());
  }
  /** Resolves when nothing is in flight. */
  drained(): Promise<void> {
    return this.free === this.size ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
}

function headerRecord(hdrs: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!hdrs) return out;
  for (const key of hdrs.keys()) if (key !== 'Nats-Msg-Id') out[key] = hdrs.get(key);
  return out;
}

export interface ConsumerRunnerOptions {
  readonly js: JetStreamClient;
  readonly topology: Topology;
  readonly spec: ConsumerSpec;
  readonly handlers: ReadonlyMap<string, EventHandler>;
  readonly publisher: Publisher;
  readonly logger: Logger;
  /** Messages handled at once by this process (the server bounds all replicas by maxAckPending). */
  readonly concurrency: number;
}

/**
 * Pulls from one durable consumer and hands each message to its handler: decode once against the
 * contracts, run the handler inside the message's trace, then exactly one of ack, nak(delay) or
 * dead-letter + term. Handlers never see a JetStream message.
 */
export class ConsumerRunner {
  private stopping = false;
  private readonly slots: Slots;
  private stopPull?: () => void;
  private loopDone?: Promise<void>;

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.slots = new Slots(Math.min(options.concurrency, options.spec.maxAckPending));
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /** Stops pulling, waits for in-flight handlers up to `graceMs`; what is left is redelivered elsewhere. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.stopPull?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.slots.drained(),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const { js, topology, spec, logger } = this.options;
    const streamName = topology.streams[spec.stream].name;
    while (!this.stopping) {
      try {
        const consumer = await js.consumers.get(streamName, spec.durable);
        const messages = await consumer.consume({ max_messages: this.slots.size });
        this.stopPull = () => void messages.stop();
        if (this.stopping) messages.stop();
        for await (const msg of messages) {
          if (this.stopping) {
            msg.nak();
            continue;
          }
          await this.slots.acquire();
          void this.handle(msg).finally(() => this.slots.release());
        }
      } catch (error) {
        if (this.stopping) break;
        logger.warn({ err: error, consumer: spec.durable }, 'consume loop failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const { spec, logger } = this.options;
    const deliveryCount = msg.info.deliveryCount;
    let event: AnyEvent;
    try {
      event = decodeEvent(msg.data);
    } catch (error) {
      return this.deadLetter(msg, (error as Error).message);
    }
    const handler = this.options.handlers.get(event.type);
    if (!handler) return this.deadLetter(msg, `no handler for ${event.type} on consumer ${spec.durable}`);

    const heartbeat = setInterval(() => msg.working(), Math.max(spec.ackWaitMs / 3, 1_000));
    const parent = extractTraceContext({ get: (k) => msg.headers?.get(k) || undefined, set: () => undefined });
    const outcome = await context.with(parent, () =>
      tracer().startActiveSpan(
        `process ${event.type}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'nats',
            'messaging.operation.type': 'process',
            'messaging.destination.name': msg.subject,
            'messaging.consumer.group.name': spec.durable,
            'messaging.message.id': event.id,
            'clawfleet.tenant': event.tenantId,
          },
        },
        async (span) => {
          try {
            const publishedAt = msg.info.timestampNanos / 1e6;
            await handler(event, { subject: msg.subject, streamSeq: msg.seq, deliveryCount, consumer: spec.durable, publishedAt });
            return { ok: true as const };
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
            return { ok: false as const, error };
          } finally {
            span.end();
          }
        },
      ),
    );
    clearInterval(heartbeat);

    const disposition = dispositionOf(outcome, { count: deliveryCount, ageMs: ageOf(msg) }, spec);
    switch (disposition.kind) {
      case 'ack':
        msg.ack();
        return;
      case 'nak':
        logger.debug({ err: (outcome as { error: unknown }).error, type: event.type, deliveryCount }, 'handler failed; retrying');
        msg.nak(disposition.delayMs);
        return;
      case 'dead-letter':
        return this.deadLetter(msg, disposition.reason);
      default:
        disposition satisfies never;
    }
  }

  /** Keeps the message with the reason in the DLQ stream, then terminates it. Never drops silently. */
  private async deadLetter(msg: JsMsg, reason: string): Promise<void> {
    const { topology, spec, publisher, logger } = this.options;
    const streamName = topology.streams[spec.stream].name;
    try {
      await publisher.publishRaw({
        subject: topology.subjects.deadLetter(msg.subject),
        payload: msg.data,
        msgId: `dlq:${streamName}:${msg.seq}`,
        headers: {
          ...headerRecord(msg.headers),
          [HEADER_DLQ_REASON]: reason.slice(0, 1_000).replace(/[\r\n]+/g, ' '),
          [HEADER_DLQ_CONSUMER]: spec.durable,
          [HEADER_DLQ_SUBJECT]: msg.subject,
          [HEADER_DLQ_STREAM_SEQ]: String(msg.seq),
          [HEADER_DLQ_DELIVERIES]: String(msg.info.deliveryCount),
        },
      });
      logger.warn({ consumer: spec.durable, subject: msg.subject, seq: msg.seq, reason }, 'message dead-lettered');
      // No reason on the term: nats-server before 2.10 ignores `+TERM <reason>` and would redeliver the
      // message after ack_wait until max_deliver. The reason is in the dead letter's headers.
      msg.term();
    } catch (error) {
      logger.error({ err: error, consumer: spec.durable, seq: msg.seq }, 'dead-lettering failed; will retry');
      msg.nak(1_000);
    }
  }
}
