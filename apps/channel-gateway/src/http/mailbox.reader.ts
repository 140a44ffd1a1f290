import type { Bus } from '@clawfleet/bus';
import { HttpReplyPosted, TurnProgressed } from '@clawfleet/contracts';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { StreamScope } from './stream-scope';

export interface MailboxTarget {
  /** The chat's mailbox subject (stream HTTP_MAILBOX). */
  readonly subject: string;
  /** Its progress subject (core NATS). */
  readonly progressSubject: string;
  /** Resume after this mailbox sequence; without it, start after the stream's current end. */
  readonly after?: number;
}

export interface MailboxReply {
  readonly seq: number;
  readonly reply: HttpReplyPosted['data'];
}

const RESUBSCRIBE = new Set(['ordered_consumer_recreated', 'heartbeats_missed', 'consumer_deleted']);
/**
 * The server deletes a consumer nobody pulls from after this long: the backstop for a gateway that
 * died with streams open. Pulls expire every 5 s, so a live stream is never idle that long.
 */
const CONSUMER_INACTIVE_MS = 60_000;

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/**
 * Opens a chat's replies: an ordered JetStream consumer on its mailbox subject and a core NATS
 * subscription to its progress. Every resource belongs to `scope` from the moment it exists, so a
 * client that leaves at any point of this setup leaves nothing behind (the consumer is deleted on
 * the server, not left to time out). The iterator ends when the scope closes.
 */
export async function openMailbox(
  bus: Bus,
  scope: StreamScope,
  target: MailboxTarget,
  onProgress: (turnId: string, text: string) => void,
): Promise<AsyncIterable<MailboxReply>> {
  const streamName = bus.topology.streams.HTTP_MAILBOX.name;
  // Without a resume point, start right after the stream's current end: anything published after
  // this point is delivered, so a client that posts once headers arrive never misses its reply.
  const startSeq =
    target.after !== undefined ? target.after + 1 : (await bus.jsm.streams.info(streamName)).state.last_seq + 1;
  scope.check();
  const consumer = scope.own(
    await bus.js.consumers.get(streamName, {
      // A single subject as a string: the array form needs nats-server 2.10.
      filter_subjects: target.subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      inactive_threshold: CONSUMER_INACTIVE_MS,
    }),
    (c) => c.delete(),
  );
  // A short pull expiry: an ordered consumer recreated after a NATS restart otherwise sits idle
  // until two 15 s heartbeats are missed (measured by the chaos suite: replies stalled ≈ 40 s).
  const messages = scope.own(await consumer.consume({ expires: 5_000 }), (m) => void m.close());
  // When the subscription had to be recreated, end the stream: the client resumes with
  // Last-Event-ID on a fresh one, and nothing stored in the mailbox is skipped or shown twice.
  void (async () => {
    for await (const status of messages.status()) {
      if (RESUBSCRIBE.has(status.type)) return scope.close();
    }
  })();
  const progress = bus.connection.subscribe(target.progressSubject, {
    callback: (error, msg) => {
      if (error) return;
      const event = TurnProgressed.envelope.safeParse(parseJson(msg.data));
      if (event.success) onProgress(event.data.data.turnId, event.data.data.text);
    },
  });
  scope.own(progress, (p) => p.unsubscribe());
  return (async function* () {
    for await (const msg of messages) {
      // The mailbox holds what delivery validated; anything else (not even JSON) is skipped, not fatal.
      const reply = HttpReplyPosted.envelope.safeParse(parseJson(msg.data));
      if (reply.success) yield { seq: msg.seq, reply: reply.data.data };
    }
  })();
}
