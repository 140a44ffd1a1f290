import { topology } from '@clawfleet/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readWholeStream } from './stream-reader';
import type { SentRecord } from './types';

/** Where a message that never got its reply can be seen in JetStream at the end of a run. */
export interface UnansweredTrace {
  readonly chatId: string;
  readonly messageId: string;
  /** The accepted message in the INBOUND stream (absent: JetStream does not have it). */
  readonly inbound?: { readonly subject: string; readonly seq: number; readonly at: number };
  /** The router consumer of its partition: ack floor and pending state, as the server sees them. */
  readonly routerConsumer?: {
    readonly name: string;
    readonly deliveredStreamSeq: number;
    readonly ackFloorStreamSeq: number;
    readonly numAckPending: number;
    readonly numPending: number;
    readonly numRedelivered: number;
  };
  /** The turn request the router published for it, if any. */
  readonly turnRequested?: { readonly subject: string; readonly seq: number; readonly at: number };
}

type Sighting = { subject: string; seq: number; at: number };

/** The first message of a stream that `pick` names, per name. */
async function sightings(
  nc: NatsConnection,
  stream: string,
  pick: (data: { messageId?: string; message?: { messageId?: string } }) => string | undefined,
): Promise<Map<string, Sighting>> {
  const found = new Map<string, Sighting>();
  await readWholeStream(nc, stream, (m) => {
    let id: string | undefined;
    try {
      id = pick((m.json() as { data?: object }).data ?? {});
    } catch {
      return; // Not an event: not ours to trace.
    }
    if (id !== undefined && !found.has(id)) {
      found.set(id, { subject: m.subject, seq: m.seq, at: Math.floor(m.info.timestampNanos / 1e6) });
    }
  });
  return found;
}

/**
 * For each accepted message still unanswered at the end of a run, what JetStream holds: the stored
 * inbound message, its router consumer's state, and any turn request for it. A loss then says on
 * its own whether the message was never stored, stored but never handed on, or acked without a turn.
 */
export async function traceUnanswered(
  natsUrl: string,
  namespace: string,
  unanswered: readonly SentRecord[],
): Promise<UnansweredTrace[]> {
  if (unanswered.length === 0) return [];
  const wanted = new Set(unanswered.map((s) => s.messageId));
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const { streams, consumerNames } = topology(namespace);
    const inbound = await sightings(nc, streams.INBOUND.name, (d) =>
      d.messageId && wanted.has(d.messageId) ? d.messageId : undefined,
    );
    const turns = await sightings(nc, streams.TURNS.name, (d) => {
      const id = d.message?.messageId;
      return id && wanted.has(id) ? id : undefined;
    });
    const traces: UnansweredTrace[] = [];
    for (const send of unanswered) {
      const stored = inbound.get(send.messageId);
      let routerConsumer: UnansweredTrace['routerConsumer'];
      if (stored) {
        const name = consumerNames.router(Number(stored.subject.split('.').pop()));
        const info = await jsm.consumers.info(streams.INBOUND.name, name).catch(() => undefined);
        if (info) {
          routerConsumer = {
            name,
            deliveredStreamSeq: info.delivered.stream_seq,
            ackFloorStreamSeq: info.ack_floor.stream_seq,
            numAckPending: info.num_ack_pending,
            numPending: info.num_pending,
            numRedelivered: info.num_redelivered,
          };
        }
      }
      const turn = turns.get(send.messageId);
      traces.push({
        chatId: send.chatId,
        messageId: send.messageId,
        ...(stored && { inbound: stored }),
        ...(routerConsumer && { routerConsumer }),
        ...(turn && { turnRequested: turn }),
      });
    }
    return traces;
  } finally {
    await nc.close();
  }
}
