import type { PubAck } from '@nats-io/jetstream';
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

interface Pending {
  readonly subject: string;
  resolve(ack: PubAck): void;
  reject(error: Error): void;
  readonly timer: NodeJS.Timeout;
}

const decoder = new TextDecoder();

/**
 * JetStream publishes with their acks on one reply subscription, as nats.js multiplexes requests,
 * without the rest of a nats.js request: `js.publish` (nats-core 3.4) builds an Error with a stack
 * trace after every ack it receives (`RequestOne.cancel`), copies its options twice and parses the
 * ack through a generic API response. Measured against the real server, one publish at a time: about
 * 45 µs of client CPU per publish with `js.publish`, 25–35 µs here. The protocol is the same: the
 * message with a reply subject, `Nats-Msg-Id` for the stream's duplicate window, and the stream's
 * JSON ack (or error) as the reply; a 503 status reply means no stream takes the subject.
 */
export class PubAcks {
  private readonly prefix: string;
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private next = 0;

  constructor(private readonly nc: NatsConnection) {
    // The connection's inbox prefix, so permissions written for nats.js' own inboxes cover these.
    const inboxPrefix = (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
    this.prefix = createInbox(inboxPrefix);
    this.subscription = nc.subscribe(`${this.prefix}.*`, { callback: (error, msg) => this.settle(error, msg) });
    void nc.closed().then(() => this.rejectAll(new Error('the NATS connection is closed')));
  }

  /** Publishes to the stream that takes `subject`; resolves with its ack, rejects on an error or after `timeoutMs`. */
  publish(subject: string, payload: Uint8Array, headers: MsgHdrs, msgId: string, timeoutMs: number): Promise<PubAck> {
    headers.set('Nats-Msg-Id', msgId);
    const token = (this.next++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`no ack from JetStream within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, { subject, resolve, reject, timer });
      try {
        this.nc.publish(subject, payload, { reply: `${this.prefix}.${token}`, headers });
      } catch (error) {
        this.take(token);
        reject(error as Error);
      }
    });
  }

  private take(token: string): Pending | undefined {
    const pending = this.pending.get(token);
    if (!pending) return undefined;
    this.pending.delete(token);
    clearTimeout(pending.timer);
    return pending;
  }

  private settle(error: Error | null, msg: Msg): void {
    if (error) return this.rejectAll(error); // the subscription itself failed (a permission refused)
    const pending = this.take(msg.subject.slice(this.prefix.length + 1));
    if (!pending) return; // timed out already
    if (msg.data.length === 0 && msg.headers?.code === 503)
      return pending.reject(new Error(`no stream takes subject ${pending.subject} (no responders)`));
    let ack: (Partial<PubAck> & { error?: { code?: number; err_code?: number; description?: string } }) | undefined;
    try {
      ack = JSON.parse(decoder.decode(msg.data)) as typeof ack;
    } catch {
      ack = undefined;
    }
    if (!ack || typeof ack !== 'object') return pending.reject(new Error('JetStream answered with an invalid ack'));
    if (ack.error) {
      const { code, err_code: errCode, description } = ack.error;
      return pending.reject(
        new Error(`JetStream refused the message: ${description ?? 'error'} (${code ?? '?'}/${errCode ?? '?'})`),
      );
    }
    if (typeof ack.stream !== 'string' || ack.stream === '' || typeof ack.seq !== 'number')
      return pending.reject(new Error('JetStream answered with an invalid ack'));
    pending.resolve({
      stream: ack.stream,
      seq: ack.seq,
      duplicate: ack.duplicate === true,
      ...(ack.domain && { domain: ack.domain }),
    });
  }

  private rejectAll(error: Error): void {
    for (const token of [...this.pending.keys()]) this.take(token)?.reject(error);
  }

  /** Stops listening for acks; what is pending is rejected. */
  close(): void {
    this.subscription.unsubscribe();
    this.rejectAll(new Error('the publisher is closed'));
  }
}
