import type { Topology } from '@clawfleet/contracts';
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import {
  HEADER_DLQ_CONSUMER,
  HEADER_DLQ_DELIVERIES,
  HEADER_DLQ_REASON,
  HEADER_DLQ_STREAM_SEQ,
  HEADER_DLQ_SUBJECT,
} from './consumer';
import type { Publisher } from './publisher';

/** Header of a redriven message: the DLQ sequence it came from. */
export const HEADER_REDRIVEN_FROM = 'Clawfleet-Redriven-From';

const DLQ_HEADERS = new Set([
  HEADER_DLQ_REASON,
  HEADER_DLQ_CONSUMER,
  HEADER_DLQ_SUBJECT,
  HEADER_DLQ_STREAM_SEQ,
  HEADER_DLQ_DELIVERIES,
  'Nats-Msg-Id',
]);

/** One dead letter as an operator sees it: where it was going, why it was given up, when. */
export interface DeadLetter {
  /** Sequence in the DLQ stream. */
  readonly seq: number;
  /** The subject it was on, and goes back to on redrive. */
  readonly subject: string;
  readonly reason: string;
  readonly consumer: string;
  readonly deliveries: number;
  readonly deadAt: Date;
  readonly payload: Uint8Array;
}

export interface DeadLetterFilter {
  /** Only dead letters of this original subject; a trailing `>` or `*` token matches as in NATS. */
  readonly subject?: string;
  /** Only dead letters written at or after this time. */
  readonly since?: Date;
  /** At most this many (default 1,000). */
  readonly limit?: number;
  /** Only dead letters after this DLQ sequence (the last one of the page before). */
  readonly afterSeq?: number;
}

function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

function toDeadLetter(msg: StoredMsg): DeadLetter {
  return {
    seq: msg.seq,
    subject: msg.header.get(HEADER_DLQ_SUBJECT),
    reason: msg.header.get(HEADER_DLQ_REASON),
    consumer: msg.header.get(HEADER_DLQ_CONSUMER),
    deliveries: Number(msg.header.get(HEADER_DLQ_DELIVERIES) || 0),
    deadAt: msg.time,
    payload: msg.data,
  };
}

/** The dead letters that match, oldest first. Reads the DLQ stream; changes nothing. */
export async function listDeadLetters(
  jsm: JetStreamManager,
  topology: Topology,
  filter: DeadLetterFilter = {},
): Promise<DeadLetter[]> {
  const name = topology.streams.DLQ.name;
  const limit = filter.limit ?? 1_000;
  const { state } = await jsm.streams.info(name);
  const out: DeadLetter[] = [];
  if (state.messages === 0) return out;
  // One sequence at a time (nats-server 2.9 has no batch get): an operator's tool, not a hot path.
  const first = Math.max(state.first_seq, (filter.afterSeq ?? 0) + 1);
  for (let seq = first; seq <= state.last_seq && out.length < limit; seq++) {
    const msg = await jsm.streams.getMessage(name, { seq }).catch(() => null);
    if (!msg) continue; // deleted (redriven) or expired
    const letter = toDeadLetter(msg);
    if (filter.since && letter.deadAt < filter.since) continue;
    if (filter.subject && !subjectMatches(filter.subject, letter.subject)) continue;
    out.push(letter);
  }
  return out;
}

/** One dead letter by its DLQ sequence; undefined when there is none (redriven, expired, never). */
export async function getDeadLetter(jsm: JetStreamManager, topology: Topology, seq: number): Promise<DeadLetter | undefined> {
  const msg = await jsm.streams.getMessage(topology.streams.DLQ.name, { seq }).catch(() => null);
  return msg ? toDeadLetter(msg) : undefined;
}

/**
 * Publishes one dead letter again to its original subject, with its original headers and bytes,
 * then removes it from the DLQ; undefined when it is not there (redriven meanwhile, expired). The
 * message id is derived from the DLQ sequence, so doing it twice publishes it once (within
 * JetStream's duplicate window).
 */
export async function redriveDeadLetter(
  jsm: JetStreamManager,
  publisher: Publisher,
  topology: Topology,
  seq: number,
): Promise<DeadLetter | undefined> {
  const name = topology.streams.DLQ.name;
  const stored = await jsm.streams.getMessage(name, { seq }).catch(() => null);
  if (!stored) return undefined;
  const headers: Record<string, string> = {};
  for (const key of stored.header.keys()) if (!DLQ_HEADERS.has(key)) headers[key] = stored.header.get(key);
  headers[HEADER_REDRIVEN_FROM] = String(seq);
  const letter = toDeadLetter(stored);
  await publisher.publishRaw({ subject: letter.subject, payload: letter.payload, msgId: `redrive:${name}:${seq}`, headers });
  await jsm.streams.deleteMessage(name, seq, false).catch(() => undefined);
  return letter;
}

/**
 * Publishes each matching dead letter again to its original subject, with its original headers and
 * bytes, then removes it from the DLQ. The message id is derived from the DLQ sequence, so a redrive
 * that is interrupted and run again publishes each one once (within JetStream's duplicate window);
 * the consumers' own idempotency covers the rest.
 */
export async function redriveDeadLetters(
  jsm: JetStreamManager,
  publisher: Publisher,
  topology: Topology,
  filter: DeadLetterFilter = {},
): Promise<DeadLetter[]> {
  const redriven: DeadLetter[] = [];
  for (const letter of await listDeadLetters(jsm, topology, filter)) {
    // Gone meanwhile: redriven by someone else.
    const done = await redriveDeadLetter(jsm, publisher, topology, letter.seq);
    if (done) redriven.push(done);
  }
  return redriven;
}
