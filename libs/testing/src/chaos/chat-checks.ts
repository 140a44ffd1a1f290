import type { FaultRecord, ReplyRecord, SentRecord } from './types';

/**
 * The per-chat parts of the chaos checker (pure, like checker.ts): which replies belong to which
 * message, which chats stopped answering for good, and recovery per chat and per router partition.
 */

export interface ReplyMatch {
  /** Replies of each sent message: its own chat's replies only. */
  readonly repliesTo: ReadonlyMap<string, ReplyRecord[]>;
  /** Replies to no message this run sent. */
  readonly stray: readonly ReplyRecord[];
  /** Replies to a message of another chat: delivered to the wrong user. */
  readonly misrouted: readonly ReplyRecord[];
  /** Replies of kind `reply` whose text is not the one the message should get (`SentRecord.expect`). */
  readonly wrongText: ReadonlyArray<{ readonly reply: ReplyRecord; readonly expected: string }>;
}

export function matchReplies(sends: readonly SentRecord[], replies: readonly ReplyRecord[]): ReplyMatch {
  const sentById = new Map(sends.map((s) => [s.messageId, s]));
  const repliesTo = new Map<string, ReplyRecord[]>();
  const stray: ReplyRecord[] = [];
  const misrouted: ReplyRecord[] = [];
  const wrongText: Array<{ reply: ReplyRecord; expected: string }> = [];
  for (const r of replies) {
    const sent = r.replyTo === undefined ? undefined : sentById.get(r.replyTo);
    if (!sent) {
      stray.push(r);
      continue;
    }
    if (sent.chatId !== r.chatId) {
      misrouted.push(r);
      continue;
    }
    const list = repliesTo.get(sent.messageId);
    if (list) list.push(r);
    else repliesTo.set(sent.messageId, [r]);
    if (r.kind === 'reply' && sent.expect !== undefined && r.text !== sent.expect)
      wrongText.push({ reply: r, expected: sent.expect });
  }
  return { repliesTo, stray, misrouted, wrongText };
}

export interface StrandedChat {
  readonly chatId: string;
  readonly partition?: number;
  /** The first accepted message without a reply; no later message of the chat was answered either. */
  readonly firstUnanswered: string;
  /** Accepted messages after it, all unanswered. */
  readonly unansweredAfter: number;
  /** It was sent as poison (and accepted). */
  readonly poison?: string;
}

/**
 * Chats that stopped answering: an accepted message without a reply, followed by accepted messages
 * of the same chat none of which was answered either, while the run went on for `strandedAfterMs`
 * after both that message and the last fault's healing. A single lost message followed by answers
 * is a loss, not a stranded chat.
 */
export function strandedChats(
  sends: readonly SentRecord[],
  answered: (messageId: string) => boolean,
  faults: readonly FaultRecord[],
  endedAt: number,
  strandedAfterMs: number,
): StrandedChat[] {
  const lastHealed = faults.reduce((t, f) => Math.max(t, f.healedAt ?? f.at), -Infinity);
  const byChat = new Map<string, SentRecord[]>();
  for (const s of sends) {
    const list = byChat.get(s.chatId);
    if (list) list.push(s);
    else byChat.set(s.chatId, [s]);
  }
  const out: StrandedChat[] = [];
  for (const [chatId, list] of byChat) {
    const ordered = [...list].sort((a, b) => a.index - b.index);
    const first = ordered.findIndex((s) => s.status === 'accepted' && !answered(s.messageId));
    if (first < 0) continue;
    const u = ordered[first]!;
    const later = ordered.slice(first + 1);
    const laterAccepted = later.filter((s) => s.status === 'accepted');
    if (laterAccepted.length === 0 || later.some((s) => answered(s.messageId))) continue;
    if (endedAt - Math.max(lastHealed, u.ackedAt ?? u.sentAt) < strandedAfterMs) continue;
    out.push({
      chatId,
      ...(u.partition !== undefined && { partition: u.partition }),
      firstUnanswered: u.messageId,
      unansweredAfter: laterAccepted.length,
      ...(u.poison && { poison: u.poison }),
    });
  }
  return out;
}

export interface PartitionRecovery {
  readonly partition: number;
  /** Chats of this partition in the run. */
  readonly chats: number;
  /** Faults after which a chat of the partition sent an accepted message (within the window). */
  readonly faults: number;
  /** Of those, faults after which no such message of the partition was ever answered. */
  readonly unrecovered: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

export interface ChatRecovery {
  /** (chat, fault) pairs judged: the chat sent an accepted message within the window after the fault. */
  readonly pairs: number;
  readonly unrecovered: number;
  readonly p99Ms: number | null;
  /** The ten slowest, unrecovered first. */
  readonly worst: ReadonlyArray<{
    readonly chatId: string;
    readonly partition?: number;
    readonly faultId: number;
    readonly kind: string;
    readonly ms: number;
  }>;
}

/**
 * Recovery per chat and per partition: for a fault and a chat that sent an accepted message at or
 * after it (within `windowMs`), the time from the fault to the first reply to such a message of that
 * chat (Infinity: none ever came). A partition's recovery is its fastest chat's: a partition that
 * stalled shows as unrecovered even while the others answer.
 */
export function recoveryByChat(
  sends: readonly SentRecord[],
  firstReplyAt: (messageId: string) => number | undefined,
  faults: readonly FaultRecord[],
  windowMs: number,
  percentile: (values: readonly number[], p: number) => number | null,
): { byChat: ChatRecovery; byPartition: PartitionRecovery[] } {
  // Per chat: accepted sends by send time, with the earliest reply among this send and all later ones.
  const chats = new Map<string, { partition?: number; sentAt: number[]; suffixFirst: number[] }>();
  const grouped = new Map<string, SentRecord[]>();
  for (const s of sends) {
    if (s.status !== 'accepted') continue;
    const list = grouped.get(s.chatId);
    if (list) list.push(s);
    else grouped.set(s.chatId, [s]);
  }
  for (const [chatId, list] of grouped) {
    const ordered = [...list].sort((a, b) => a.sentAt - b.sentAt);
    const suffixFirst = new Array<number>(ordered.length);
    let best = Infinity;
    for (let i = ordered.length - 1; i >= 0; i--) {
      best = Math.min(best, firstReplyAt(ordered[i]!.messageId) ?? Infinity);
      suffixFirst[i] = best;
    }
    chats.set(chatId, { partition: ordered[0]!.partition, sentAt: ordered.map((s) => s.sentAt), suffixFirst });
  }
  const firstAtOrAfter = (xs: readonly number[], t: number) => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const pairs: Array<{ chatId: string; partition?: number; faultId: number; kind: string; ms: number }> = [];
  const partitionRec = new Map<number, number[]>();
  const partitionChats = new Map<number, Set<string>>();
  for (const [chatId, c] of chats) {
    if (c.partition === undefined) continue;
    const set = partitionChats.get(c.partition) ?? new Set<string>();
    set.add(chatId);
    partitionChats.set(c.partition, set);
  }
  for (const f of faults) {
    const fastest = new Map<number, number>();
    for (const [chatId, c] of chats) {
      const i = firstAtOrAfter(c.sentAt, f.at);
      if (i >= c.sentAt.length || c.sentAt[i]! > f.at + windowMs) continue;
      const ms = c.suffixFirst[i]! - f.at;
      pairs.push({
        chatId,
        ...(c.partition !== undefined && { partition: c.partition }),
        faultId: f.id,
        kind: f.kind,
        ms,
      });
      if (c.partition !== undefined) fastest.set(c.partition, Math.min(fastest.get(c.partition) ?? Infinity, ms));
    }
    for (const [p, ms] of fastest) partitionRec.set(p, [...(partitionRec.get(p) ?? []), ms]);
  }
  const byPartition = [...partitionChats.keys()]
    .sort((a, b) => a - b)
    .map((partition) => {
      const rec = partitionRec.get(partition) ?? [];
      return {
        partition,
        chats: partitionChats.get(partition)!.size,
        faults: rec.length,
        unrecovered: rec.filter((ms) => !Number.isFinite(ms)).length,
        p50Ms: percentile(rec, 50),
        p99Ms: percentile(rec, 99),
        maxMs: rec.length ? rec.reduce((a, b) => (b > a ? b : a), -Infinity) : null,
      };
    });
  const worst = [...pairs].sort((a, b) => b.ms - a.ms).slice(0, 10);
  return {
    byChat: {
      pairs: pairs.length,
      unrecovered: pairs.filter((p) => !Number.isFinite(p.ms)).length,
      p99Ms: percentile(
        pairs.map((p) => p.ms),
        99,
      ),
      worst,
    },
    byPartition,
  };
}
