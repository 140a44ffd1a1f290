import {
  matchReplies,
  recoveryByChat,
  strandedChats,
  type ChatRecovery,
  type PartitionRecovery,
  type StrandedChat,
} from './chat-checks';
import { toolLabel } from './model-plan';
import type { ChaosRecords, FaultRecord, ReplyRecord, SentRecord, StoreSnapshot } from './types';

// Not Math.max(...xs): a long run has more values than a call may take arguments (it overflowed the
// stack at the end of a 1,000-fault run).
export const maxOf = (xs: readonly number[]) => xs.reduce((a, b) => (b > a ? b : a), -Infinity);
export const minOf = (xs: readonly number[]) => xs.reduce((a, b) => (b < a ? b : a), Infinity);

/**
 * The chaos checker: a pure function from what a run recorded to a verdict per message, per chat
 * and per fault kind. No I/O, no clock: the same records always give the same report.
 */

/**
 * ok: exactly one reply. lost: none by the end of the run. duplicated: more than one reply event
 * (SSE events are counted as they came, nothing is deduplicated). unknown: the POST was never
 * acknowledged, so 0 or 1 replies are both correct (2+ is still a duplicate). rejected: the gateway
 * refused it with a 4xx (right for a poison input, a failure for any other message).
 */
export type Verdict = 'ok' | 'lost' | 'duplicated' | 'unknown' | 'rejected';

/** Where a lost message stopped, from the event store and the delivery records. */
export type LossStage =
  /** No `UserMessageAdded`: lost between the gateway's 202 and the session stream (inbound/turn on the bus). */
  | 'not-recorded'
  /** Recorded, but the turn never completed or failed. */
  | 'turn-unfinished'
  /** The turn completed (reply in the outbox), but delivery has no record of it. */
  | 'not-delivered'
  /** Delivery settled it as sent, yet no SSE event reached the client, not even a new subscription: lost in the mailbox stream or the gateway. */
  | 'delivered-not-seen'
  /**
   * In the mailbox, but the chat's open SSE stream never pushed it; a new subscription resuming
   * after the last id seen (the run's final catch-up) got it. Lost for a user keeping the chat open.
   */
  | 'not-pushed-live';

export interface MessageCheck {
  readonly chatId: string;
  readonly messageId: string;
  readonly index: number;
  readonly tool: boolean;
  readonly sentAt: number;
  readonly status: SentRecord['status'];
  readonly verdict: Verdict;
  /** Reply events seen for it. */
  readonly replies: number;
  readonly outboundIds: readonly string[];
  /** A duplicate whose copies all share one outboundId: a resend of the same outbound. */
  readonly windowDuplicate: boolean;
  /** First reply's arrival minus the first send attempt. */
  readonly latencyMs?: number;
  /** The fault held responsible (see `attribute`), for lost and duplicated messages. */
  readonly fault?: { readonly id: number; readonly kind: string };
  readonly stage?: LossStage;
}

export interface OrderViolation {
  readonly chatId: string;
  /** seq-gap: seq jumped by more than 1. seq-regression: seq did not grow. answer-order: answers a message sent before the previous reply's. */
  readonly kind: 'seq-gap' | 'seq-regression' | 'answer-order';
  readonly previous?: { readonly seq: number; readonly replyTo?: string };
  readonly reply: { readonly seq: number; readonly replyTo?: string; readonly outboundId: string };
}

export interface FaultKindStats {
  readonly kind: string;
  readonly injected: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly windowDuplicated: number;
  readonly unrecovered: number;
  readonly recoveryP50Ms: number | null;
  readonly recoveryP99Ms: number | null;
  readonly recoveryMaxMs: number | null;
}

export interface ChaosReport {
  /** `N faults over M turns: L lost, D duplicated (W inside the documented send window), order violations V, recovery p99 T` */
  readonly line: string;
  readonly faults: number;
  readonly skippedFaults: number;
  /** Accepted messages: each one is a turn the platform owes an answer. */
  readonly turns: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly windowDuplicated: number;
  readonly orderViolations: number;
  /** Over injected faults; Infinity when more than 1% of them never saw a reply to a later message. */
  readonly recoveryP99Ms: number | null;
  readonly unrecoveredFaults: number;
  readonly unknown: { readonly sent: number; readonly answered: number; readonly unanswered: number };
  /** Replies of kind `error` (a turn that failed and said so): answered, but the echo model never fails. */
  readonly errorReplies: number;
  /** Replies of kind `notice` (a message settled as failed, a parked session). */
  readonly noticeReplies: number;
  /** Replies to no message this run sent. */
  readonly strayReplies: number;
  /** Replies to a message of another chat (each is also left out of that message's verdict). */
  readonly misroutedReplies: number;
  /** Replies whose text is not the echo of their message's text (the first 20 in `wrongTexts`). */
  readonly wrongTextReplies: number;
  readonly wrongTexts: ReadonlyArray<{ readonly messageId?: string; readonly expected: string; readonly got: string }>;
  /** Poison inputs: refused with 400/413 (right), accepted (a finding), never acknowledged (a fault hid the answer). */
  readonly poison: {
    readonly sent: number;
    readonly rejected: number;
    readonly accepted: number;
    readonly unknown: number;
    readonly byKind: Readonly<Record<string, { sent: number; rejected: number; accepted: number }>>;
  };
  /** Messages that were not poison, yet refused with a 4xx. */
  readonly rejectedMessages: number;
  /** Chats that stopped answering for good (see `strandedChats`); the first 50 in `strandedChats`. */
  readonly stranded: number;
  readonly strandedChats: readonly StrandedChat[];
  /** Recovery per (chat, fault) and per router partition: a stalled partition shows here. */
  readonly recoveryByChat: ChatRecovery;
  readonly recoveryByPartition: readonly PartitionRecovery[];
  /** Apps that exited on their own. */
  readonly unexpectedExits: number;
  /**
   * Everything that fails the run, one line each; empty for a clean run. Lost, duplicated outside
   * the window, order, stray/misrouted/wrong-text/error/notice replies, poison accepted or a good
   * message refused, stranded chats, unrecovered faults or partitions, store anomalies, unexpected exits.
   */
  readonly failures: readonly string[];
  readonly clean: boolean;
  /** Accepted messages answered only after `lateAfterMs`. */
  readonly lateReplies: number;
  readonly replyLatencyMs: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  readonly byKind: readonly FaultKindStats[];
  readonly order: {
    readonly seqGaps: number;
    readonly seqRegressions: number;
    readonly answerOrder: number;
    /** The first 50. */
    readonly violations: readonly OrderViolation[];
  };
  /** How often the armed faults hit the moment they aim at (needs the store and the mailbox). */
  readonly traps: readonly TrapEvidence[];
  /** Every message that is lost or duplicated, with its attribution. */
  readonly problems: readonly MessageCheck[];
  readonly store?: {
    readonly lostByStage: Readonly<Record<LossStage, number>>;
    /** Turns with more than one TurnCompleted/TurnFailed. */
    readonly turnsFinishedTwice: number;
    /** Messages recorded twice in their session. */
    readonly messagesRecordedTwice: number;
    /** Tool calls with more than one ToolCallStarted (a recovered call is completed without a second start, so this should stay 0). */
    readonly toolCallsStartedTwice: number;
    readonly outboxPending: number;
  };
  /** The chaos model's `bash` calls against what they left in the workspaces (needs the store and the workspaces). */
  readonly sandbox?: SandboxCheck;
}

/** Whether an armed fault struck inside the window it aims at, judged from the store afterwards. */
export interface TrapEvidence {
  readonly kind: 'runner:mid-tool' | 'delivery:mid-send';
  readonly injected: number;
  /**
   * mid-tool: the turn's ToolCallStarted committed before the kill and its ToolCallCompleted after.
   * mid-send: a reply stored in the mailbox at most 50 ms before the kill whose delivery record was
   * committed after it (the send happened, the record did not).
   */
  readonly struckInWindow: number;
}

export function trapEvidence(records: ChaosRecords): TrapEvidence[] {
  const store = records.store;
  const faults = records.faults.filter((f) => !f.skipped);
  const midTool = faults.filter((f) => f.kind === 'runner:mid-tool');
  const midSend = faults.filter((f) => f.kind === 'delivery:mid-send');
  if (!store) return [];
  const toolHits = midTool.filter((f) => {
    const sent = records.sends.find((s) => s.text === f.victim);
    const turnId =
      sent && store.events.find((e) => e.type === 'UserMessageAdded' && e.messageId === sent.messageId)?.turnId;
    const started = store.events.find((e) => e.type === 'ToolCallStarted' && e.turnId === turnId);
    const completed = store.events.find((e) => e.type === 'ToolCallCompleted' && e.turnId === turnId);
    return !!started?.at && !!completed?.at && started.at <= f.at && completed.at > f.at;
  }).length;
  const deliveredAt = new Map(store.deliveries.map((d) => [d.outboundId, d.at]));
  const sendHits = midSend.filter((f) =>
    (records.mailbox ?? []).some(
      (m) => m.at >= f.at - 50 && m.at <= f.at && (deliveredAt.get(m.outboundId) ?? Infinity) > f.at,
    ),
  ).length;
  return [
    { kind: 'runner:mid-tool', injected: midTool.length, struckInWindow: toolHits },
    { kind: 'delivery:mid-send', injected: midSend.length, struckInWindow: sendHits },
  ];
}

/**
 * Each `bash` call of the chaos model appends its message's label to the session's CHAOS_TOOL_FILE
 * once. Judged per message from the store (its turn's ToolCallStarted `bash`, and how that call
 * completed) against the lines in the workspaces: a call completed `ok` left its line exactly once;
 * one cut off (`interrupted`: reported, never run again) left it at most once; no line is there
 * twice, and none is there for a message whose turn recorded no bash call (a runner that had lost
 * its lease ran it).
 */
export interface SandboxCheck {
  /** Messages whose turn recorded a bash call. */
  readonly bashCalls: number;
  /** Of them: completed ok, and cut off (interrupted) with and without their line in the workspace. */
  readonly ok: number;
  readonly interruptedRan: number;
  readonly interruptedNotRan: number;
  /** Failures: a label more than once; an ok call without its line; a line of no recorded call. */
  readonly ranTwice: number;
  readonly okWithoutEffect: number;
  readonly effectsWithoutCall: number;
  /** The first 20 labels of each failure. */
  readonly examples: readonly string[];
}

export function checkSandboxEffects(records: ChaosRecords): SandboxCheck | undefined {
  const { store, sandbox } = records;
  if (!store || !sandbox) return undefined;
  const turnOf = new Map<string, string>();
  const bashOf = new Map<string, string[]>();
  const statusOf = new Map<string, string | undefined>();
  for (const e of store.events) {
    if (e.type === 'UserMessageAdded' && e.messageId && e.turnId) turnOf.set(e.messageId, e.turnId);
    if (e.type === 'ToolCallStarted' && e.name === 'bash' && e.turnId && e.toolCallId)
      bashOf.set(e.turnId, [...(bashOf.get(e.turnId) ?? []), `${e.streamId}/${e.toolCallId}`]);
    if (e.type === 'ToolCallCompleted' && e.toolCallId) statusOf.set(`${e.streamId}/${e.toolCallId}`, e.status);
  }
  const counted = { bashCalls: 0, ok: 0, interruptedRan: 0, interruptedNotRan: 0, ranTwice: 0, okWithoutEffect: 0 };
  const examples: string[] = [];
  const expected = new Set<string>();
  for (const send of records.sends) {
    const turnId = send.tool ? turnOf.get(send.messageId) : undefined;
    const calls = turnId === undefined ? [] : (bashOf.get(turnId) ?? []);
    if (calls.length === 0) continue;
    const label = toolLabel(send.text);
    expected.add(label);
    counted.bashCalls++;
    const lines = sandbox.lines[label] ?? 0;
    if (lines > 1) {
      counted.ranTwice++;
      examples.push(`ran ${lines} times: ${label}`);
    }
    const statuses = calls.map((c) => statusOf.get(c));
    if (statuses.includes('ok')) {
      counted.ok++;
      if (lines === 0) {
        counted.okWithoutEffect++;
        examples.push(`completed ok without its effect: ${label}`);
      }
    } else if (statuses.includes('interrupted')) {
      if (lines > 0) counted.interruptedRan++;
      else counted.interruptedNotRan++;
    }
  }
  const stray = Object.keys(sandbox.lines).filter((label) => !expected.has(label));
  examples.push(...stray.map((label) => `in the workspace, of no recorded call: ${label}`));
  return { ...counted, effectsWithoutCall: stray.length, examples: examples.slice(0, 20) };
}

export interface CheckOptions {
  /** How long after its send a fault may still be blamed for a message (default 30 s). */
  readonly attributionWindowMs?: number;
  /** Replies later than this count as late (default 10 s). */
  readonly lateAfterMs?: number;
  /** A chat with unanswered messages is stranded once the run went on this long after the last fault healed (default 20 s). */
  readonly strandedAfterMs?: number;
}

/** Nearest-rank percentile of `values` (sorted here); null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return 'n/a';
  if (!Number.isFinite(ms)) return 'unrecovered';
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

export function summaryLine(
  r: Pick<
    ChaosReport,
    'faults' | 'turns' | 'lost' | 'duplicated' | 'windowDuplicated' | 'orderViolations' | 'recoveryP99Ms'
  >,
): string {
  return (
    `${r.faults} faults over ${r.turns} turns: ${r.lost} lost, ${r.duplicated} duplicated ` +
    `(${r.windowDuplicated} inside the documented send window), order violations ${r.orderViolations}, ` +
    `recovery p99 ${formatDuration(r.recoveryP99Ms)}`
  );
}

/**
 * The fault blamed for a problem message: the first fault that struck while it was in flight (at or
 * after its send, within the window), else the last one before its send (still being recovered from).
 */
export function attribute(sentAt: number, faults: readonly FaultRecord[], windowMs: number): FaultRecord | undefined {
  const sorted = [...faults].sort((a, b) => a.at - b.at);
  const during = sorted.find((f) => f.at >= sentAt && f.at <= sentAt + windowMs);
  if (during) return during;
  // A long outage is still being recovered from for the window after it healed.
  return sorted.filter((f) => f.at < sentAt && (f.healedAt ?? f.at) >= sentAt - windowMs).at(-1);
}

/**
 * Recovery of a fault: from the moment it struck to the first reply delivered for a message whose
 * first send attempt came at or after that moment. Infinity when no such reply ever came.
 */
export function recoveryOf(
  fault: FaultRecord,
  replies: readonly ReplyRecord[],
  sentById: ReadonlyMap<string, SentRecord>,
): number {
  let first = Infinity;
  for (const r of replies) {
    const sent = r.replyTo === undefined ? undefined : sentById.get(r.replyTo);
    if (!sent || sent.sentAt < fault.at) continue;
    first = Math.min(first, r.receivedAt);
  }
  return first - fault.at;
}

function stageOf(messageId: string, store: StoreSnapshot): LossStage {
  const added = store.events.find((e) => e.type === 'UserMessageAdded' && e.messageId === messageId);
  if (!added) return 'not-recorded';
  const finished = store.events.filter(
    (e) => (e.type === 'TurnCompleted' || e.type === 'TurnFailed') && e.turnId === added.turnId,
  );
  if (finished.length === 0) return 'turn-unfinished';
  const outboundIds = new Set(finished.map((e) => e.outboundId));
  return store.deliveries.some((d) => outboundIds.has(d.outboundId)) ? 'delivered-not-seen' : 'not-delivered';
}

/** Order within each chat, in receive order; a repeat of an outbound already seen is a duplicate, not an order violation. */
export function checkOrder(sends: readonly SentRecord[], replies: readonly ReplyRecord[]): OrderViolation[] {
  const indexOf = new Map(sends.map((s) => [s.messageId, s.index]));
  const byChat = new Map<string, ReplyRecord[]>();
  for (const r of replies) byChat.set(r.chatId, [...(byChat.get(r.chatId) ?? []), r]);
  const violations: OrderViolation[] = [];
  for (const [chatId, list] of byChat) {
    const seen = new Set<string>();
    let previous: ReplyRecord | undefined;
    for (const r of [...list].sort((a, b) => a.receivedAt - b.receivedAt)) {
      if (seen.has(r.outboundId)) continue;
      seen.add(r.outboundId);
      const reply = { seq: r.seq, replyTo: r.replyTo, outboundId: r.outboundId };
      const prev = previous && { seq: previous.seq, replyTo: previous.replyTo };
      const expected = previous ? previous.seq + 1 : 1;
      if (previous && r.seq <= previous.seq) violations.push({ chatId, kind: 'seq-regression', previous: prev, reply });
      else if (r.seq !== expected) violations.push({ chatId, kind: 'seq-gap', previous: prev, reply });
      const a = previous?.replyTo === undefined ? undefined : indexOf.get(previous.replyTo);
      const b = r.replyTo === undefined ? undefined : indexOf.get(r.replyTo);
      if (a !== undefined && b !== undefined && b < a)
        violations.push({ chatId, kind: 'answer-order', previous: prev, reply });
      previous = r;
    }
  }
  return violations;
}

export function checkChaos(records: ChaosRecords, options: CheckOptions = {}): ChaosReport {
  const windowMs = options.attributionWindowMs ?? 30_000;
  const lateAfterMs = options.lateAfterMs ?? 10_000;
  const faults = records.faults.filter((f) => !f.skipped);
  const sentById = new Map(records.sends.map((s) => [s.messageId, s]));
  const matched = matchReplies(records.sends, records.replies);
  const { repliesTo } = matched;

  const checks: MessageCheck[] = records.sends.map((s) => {
    const replies = repliesTo.get(s.messageId) ?? [];
    const outboundIds = [...new Set(replies.map((r) => r.outboundId))];
    const live = replies.filter((r) => r.live !== false);
    const verdict: Verdict =
      replies.length > 1
        ? 'duplicated'
        : s.status === 'unknown'
          ? 'unknown'
          : s.status === 'rejected'
            ? 'rejected'
            : live.length === 1
              ? 'ok'
              : 'lost';
    const firstAt = replies.length ? minOf(replies.map((r) => r.receivedAt)) : undefined;
    const problem = verdict === 'lost' || verdict === 'duplicated';
    const blamed = problem ? attribute(s.sentAt, faults, windowMs) : undefined;
    return {
      chatId: s.chatId,
      messageId: s.messageId,
      index: s.index,
      tool: s.tool,
      sentAt: s.sentAt,
      status: s.status,
      verdict,
      replies: replies.length,
      outboundIds,
      windowDuplicate: verdict === 'duplicated' && outboundIds.length === 1,
      ...(firstAt !== undefined && { latencyMs: firstAt - s.sentAt }),
      ...(blamed && { fault: { id: blamed.id, kind: blamed.kind } }),
      ...(verdict === 'lost' && replies.length > 0 && { stage: 'not-pushed-live' as const }),
      ...(verdict === 'lost' &&
        replies.length === 0 &&
        records.store && { stage: stageOf(s.messageId, records.store) }),
    };
  });

  const accepted = checks.filter((c) => c.status === 'accepted');
  const lost = checks.filter((c) => c.verdict === 'lost');
  const duplicated = checks.filter((c) => c.verdict === 'duplicated');
  const unknown = checks.filter((c) => c.status === 'unknown');

  const violations = checkOrder(records.sends, records.replies);
  const recoveries = new Map(faults.map((f) => [f.id, recoveryOf(f, records.replies, sentById)]));
  const all = [...recoveries.values()];
  const kinds = [...new Set(faults.map((f) => f.kind))].sort();
  const byKind: FaultKindStats[] = kinds.map((kind) => {
    const ofKind = faults.filter((f) => f.kind === kind);
    const rec = ofKind.map((f) => recoveries.get(f.id)!);
    const finite = rec.filter(Number.isFinite);
    const blamed = (list: MessageCheck[]) => list.filter((c) => c.fault?.kind === kind);
    return {
      kind,
      injected: ofKind.length,
      lost: blamed(lost).length,
      duplicated: blamed(duplicated).length,
      windowDuplicated: blamed(duplicated).filter((c) => c.windowDuplicate).length,
      unrecovered: rec.length - finite.length,
      recoveryP50Ms: percentile(rec, 50),
      recoveryP99Ms: percentile(rec, 99),
      recoveryMaxMs: rec.length ? maxOf(rec) : null,
    };
  });
  // Problems no fault explains are reported too, under their own kind.
  const unexplained = [...lost, ...duplicated].filter((c) => !c.fault);
  if (unexplained.length) {
    byKind.push({
      kind: '(no fault nearby)',
      injected: 0,
      lost: unexplained.filter((c) => c.verdict === 'lost').length,
      duplicated: unexplained.filter((c) => c.verdict === 'duplicated').length,
      windowDuplicated: unexplained.filter((c) => c.windowDuplicate).length,
      unrecovered: 0,
      recoveryP50Ms: null,
      recoveryP99Ms: null,
      recoveryMaxMs: null,
    });
  }

  const latencies = accepted.flatMap((c) => (c.latencyMs === undefined ? [] : [c.latencyMs]));
  const count = (kind: OrderViolation['kind']) => violations.filter((v) => v.kind === kind).length;
  const base = {
    faults: faults.length,
    turns: accepted.length,
    lost: lost.length,
    duplicated: duplicated.length,
    windowDuplicated: duplicated.filter((c) => c.windowDuplicate).length,
    orderViolations: violations.length,
    recoveryP99Ms: percentile(all, 99),
  };
  let store: ChaosReport['store'];
  if (records.store) {
    const s = records.store;
    const counts = (type: string, key: (e: StoreSnapshot['events'][number]) => string | undefined) => {
      const m = new Map<string, number>();
      for (const e of s.events) if (e.type === type && key(e) !== undefined) m.set(key(e)!, (m.get(key(e)!) ?? 0) + 1);
      return [...m.values()].filter((n) => n > 1).length;
    };
    const finished = new Map<string, number>();
    for (const e of s.events)
      if ((e.type === 'TurnCompleted' || e.type === 'TurnFailed') && e.turnId)
        finished.set(e.turnId, (finished.get(e.turnId) ?? 0) + 1);
    const lostByStage: Record<LossStage, number> = {
      'not-recorded': 0,
      'turn-unfinished': 0,
      'not-delivered': 0,
      'delivered-not-seen': 0,
      'not-pushed-live': 0,
    };
    for (const c of lost) if (c.stage) lostByStage[c.stage]++;
    store = {
      lostByStage,
      turnsFinishedTwice: [...finished.values()].filter((n) => n > 1).length,
      messagesRecordedTwice: counts('UserMessageAdded', (e) => e.messageId),
      toolCallsStartedTwice: counts('ToolCallStarted', (e) =>
        e.toolCallId ? `${e.streamId}/${e.toolCallId}` : undefined,
      ),
      outboxPending: s.outboxPending,
    };
  }

  const poisonSends = records.sends.filter((s) => s.poison !== undefined);
  const refused = (s: SentRecord) => s.status === 'rejected' && (s.httpStatus === 400 || s.httpStatus === 413);
  const poisonByKind: Record<string, { sent: number; rejected: number; accepted: number }> = {};
  for (const s of poisonSends) {
    const k = (poisonByKind[s.poison!] ??= { sent: 0, rejected: 0, accepted: 0 });
    k.sent++;
    if (refused(s)) k.rejected++;
    if (s.status === 'accepted') k.accepted++;
  }
  const poison = {
    sent: poisonSends.length,
    rejected: poisonSends.filter(refused).length,
    accepted: poisonSends.filter((s) => s.status === 'accepted').length,
    unknown: poisonSends.filter((s) => s.status === 'unknown').length,
    byKind: poisonByKind,
  };
  const rejectedMessages = records.sends.filter((s) => s.poison === undefined && s.status === 'rejected').length;
  const answeredRejected = checks.filter((c) => c.status === 'rejected' && c.replies > 0).length;
  const firstReplyAt = (messageId: string) => {
    const live = (repliesTo.get(messageId) ?? []).filter((r) => r.live !== false);
    return live.length ? minOf(live.map((r) => r.receivedAt)) : undefined;
  };
  const stranded = strandedChats(
    records.sends,
    (id) => (repliesTo.get(id) ?? []).some((r) => r.live !== false),
    faults,
    records.endedAt,
    options.strandedAfterMs ?? 20_000,
  );
  const byChatRecovery = recoveryByChat(records.sends, firstReplyAt, faults, windowMs, percentile);
  const errorReplies = records.replies.filter((r) => r.kind === 'error').length;
  const noticeReplies = records.replies.filter((r) => r.kind === 'notice').length;
  const unrecoveredFaults = all.filter((v) => !Number.isFinite(v)).length;
  const exits = records.unexpectedExits ?? [];

  const failures: string[] = [];
  const fail = (n: number, what: string) => {
    if (n > 0) failures.push(`${n} ${what}`);
  };
  fail(lost.length, 'accepted messages lost');
  fail(base.duplicated - base.windowDuplicated, 'messages answered twice (outside the send window)');
  fail(violations.length, 'order violations');
  fail(matched.stray.length, 'stray replies (to no message of this run)');
  fail(matched.misrouted.length, 'replies to a message of another chat');
  fail(matched.wrongText.length, 'replies with the wrong text');
  fail(errorReplies, 'error replies');
  fail(noticeReplies, 'notice replies (a message settled as failed)');
  fail(poison.accepted, 'poison inputs accepted (the edge must refuse them with a 400)');
  fail(
    poisonSends.filter((s) => s.status === 'rejected' && !refused(s)).length,
    'poison inputs refused with neither 400 nor 413',
  );
  fail(rejectedMessages, 'good messages refused with a 4xx');
  fail(answeredRejected, 'refused messages answered anyway');
  fail(stranded.length, 'stranded chats (stopped answering for good)');
  fail(unrecoveredFaults, 'faults after which no later message was answered');
  fail(
    byChatRecovery.byPartition.reduce((n, p) => n + p.unrecovered, 0),
    'times a router partition did not recover after a fault',
  );
  if (store) {
    fail(store.turnsFinishedTwice, 'turns finished twice in the store');
    fail(store.messagesRecordedTwice, 'messages recorded twice in the store');
    fail(store.toolCallsStartedTwice, 'tool calls started twice in the store');
    fail(store.outboxPending, 'outbox rows never relayed');
  }
  const sandbox = checkSandboxEffects(records);
  if (sandbox) {
    fail(sandbox.ranTwice, 'sandbox bash calls whose effect is in the workspace twice');
    fail(sandbox.okWithoutEffect, 'sandbox bash calls completed ok without their effect in the workspace');
    fail(sandbox.effectsWithoutCall, 'sandbox effects of no recorded bash call (run by a runner without the lease)');
  }
  fail(exits.length, `apps that exited on their own (${[...new Set(exits.map((e) => e.instance))].join(', ')})`);

  return {
    line: summaryLine(base),
    ...base,
    skippedFaults: records.faults.length - faults.length,
    unrecoveredFaults,
    unknown: {
      sent: unknown.length,
      answered: unknown.filter((c) => c.replies > 0).length,
      unanswered: unknown.filter((c) => c.replies === 0).length,
    },
    errorReplies,
    noticeReplies,
    strayReplies: matched.stray.length,
    misroutedReplies: matched.misrouted.length,
    wrongTextReplies: matched.wrongText.length,
    wrongTexts: matched.wrongText.slice(0, 20).map((w) => ({
      ...(w.reply.replyTo !== undefined && { messageId: w.reply.replyTo }),
      expected: w.expected.slice(0, 200),
      got: w.reply.text.slice(0, 200),
    })),
    poison,
    rejectedMessages,
    stranded: stranded.length,
    strandedChats: stranded.slice(0, 50),
    recoveryByChat: byChatRecovery.byChat,
    recoveryByPartition: byChatRecovery.byPartition,
    unexpectedExits: exits.length,
    failures,
    clean: failures.length === 0,
    lateReplies: latencies.filter((l) => l > lateAfterMs).length,
    replyLatencyMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? maxOf(latencies) : null,
    },
    byKind,
    order: {
      seqGaps: count('seq-gap'),
      seqRegressions: count('seq-regression'),
      answerOrder: count('answer-order'),
      violations: violations.slice(0, 50),
    },
    traps: trapEvidence(records),
    ...(sandbox && { sandbox }),
    problems: [...lost, ...duplicated],
    ...(store && { store }),
  };
}
