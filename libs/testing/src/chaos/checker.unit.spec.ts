import {
  attribute,
  checkChaos,
  checkOrder,
  formatDuration,
  percentile,
  recoveryOf,
  trapEvidence,
  maxOf,
  minOf,
} from './checker';
import type { ChaosRecords, FaultRecord, ReplyRecord, SentRecord, StoreSnapshot } from './types';

/** Synthetic records: one chat, messages m0, m1, … sent 1 s apart, answered 100 ms later unless told otherwise. */
function sent(index: number, extra: Partial<SentRecord> = {}): SentRecord {
  return {
    chatId: extra.chatId ?? 'c1',
    index,
    messageId: `${extra.chatId ?? 'c1'}-m${index}`,
    text: `m${index}`,
    expect: `echo: m${index}`,
    tool: false,
    sentAt: 1_000 * (index + 1),
    ackedAt: 1_000 * (index + 1) + 5,
    status: 'accepted',
    attempts: 1,
    ...extra,
  };
}

function reply(s: SentRecord, seq: number, extra: Partial<ReplyRecord> = {}): ReplyRecord {
  return {
    chatId: s.chatId,
    eventId: String(seq),
    outboundId: `out-${s.messageId}`,
    replyTo: s.messageId,
    seq,
    text: `echo: ${s.text}`,
    kind: 'reply',
    receivedAt: s.sentAt + 100,
    ...extra,
  };
}

function records(
  sends: SentRecord[],
  replies: ReplyRecord[],
  faults: FaultRecord[] = [],
  store?: StoreSnapshot,
): ChaosRecords {
  return { startedAt: 0, endedAt: 100_000, sends, replies, faults, ...(store && { store }) };
}

const fault = (id: number, at: number, kind = 'kill9:router'): FaultRecord => ({ id, kind, at });

describe('checkChaos', () => {
  it('calls a clean run clean', () => {
    const sends = [0, 1, 2].map((i) => sent(i));
    const report = checkChaos(
      records(
        sends,
        sends.map((s, i) => reply(s, i + 1)),
        [fault(1, 1_500)],
      ),
    );
    expect(report).toMatchObject({
      faults: 1,
      turns: 3,
      lost: 0,
      duplicated: 0,
      windowDuplicated: 0,
      orderViolations: 0,
      problems: [],
    });
    // The first message sent at/after the fault (m1 at 2000) was answered at 2100.
    expect(report.recoveryP99Ms).toBe(600);
    expect(report.line).toBe(
      '1 faults over 3 turns: 0 lost, 0 duplicated (0 inside the documented send window), order violations 0, recovery p99 600 ms',
    );
    expect(report).toMatchObject({ clean: true, failures: [], stranded: 0, wrongTextReplies: 0 });
  });

  it('finds a lost reply and blames the fault that struck while it was in flight', () => {
    const sends = [0, 1, 2].map((i) => sent(i));
    const report = checkChaos(
      records(sends, [reply(sends[0]!, 1), reply(sends[2]!, 2)], [fault(7, 2_050, 'nats:kill9')]),
    );
    expect(report.lost).toBe(1);
    expect(report.problems).toEqual([
      expect.objectContaining({ messageId: 'c1-m1', verdict: 'lost', fault: { id: 7, kind: 'nats:kill9' } }),
    ]);
    expect(report.byKind).toEqual([expect.objectContaining({ kind: 'nats:kill9', injected: 1, lost: 1 })]);
    expect(report.orderViolations).toBe(0); // seqs 1, 2 stay contiguous: the turn never produced an outbound
  });

  it('counts every SSE event: two events of one outbound are a duplicate inside the send window', () => {
    const sends = [0, 1].map((i) => sent(i));
    const replies = [
      reply(sends[0]!, 1),
      reply(sends[0]!, 1, { eventId: '9', receivedAt: 1_300 }),
      reply(sends[1]!, 2),
    ];
    const report = checkChaos(records(sends, replies));
    expect(report).toMatchObject({ duplicated: 1, windowDuplicated: 1, orderViolations: 0 });
    expect(report.problems[0]).toMatchObject({ verdict: 'duplicated', replies: 2, windowDuplicate: true });
    expect(report.line).toContain('0 lost, 1 duplicated (1 inside the documented send window)');
  });

  it('calls two distinct outbounds for one message a duplicate outside the window', () => {
    const sends = [sent(0)];
    const replies = [reply(sends[0]!, 1), reply(sends[0]!, 2, { outboundId: 'out-forged', receivedAt: 1_500 })];
    const report = checkChaos(records(sends, replies));
    expect(report).toMatchObject({ duplicated: 1, windowDuplicated: 0, orderViolations: 0 });
    expect(report.problems[0]!.outboundIds).toEqual(['out-c1-m0', 'out-forged']);
  });

  it('treats an unacknowledged send as unknown: zero or one reply is fine, two is a duplicate', () => {
    const sends = [
      sent(0, { status: 'unknown', ackedAt: undefined }),
      sent(1, { status: 'unknown', ackedAt: undefined }),
      sent(2),
      sent(3, { status: 'unknown' }),
    ];
    const replies = [
      reply(sends[1]!, 1),
      reply(sends[2]!, 2),
      reply(sends[3]!, 3),
      reply(sends[3]!, 3, { receivedAt: 5_000 }),
    ];
    const report = checkChaos(records(sends, replies));
    expect(report.turns).toBe(1);
    expect(report.unknown).toEqual({ sent: 3, answered: 2, unanswered: 1 });
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(1);
  });

  it('reports order violations: a seq gap, a regression, an answer out of send order', () => {
    const sends = [0, 1, 2, 3].map((i) => sent(i));
    const replies = [
      reply(sends[0]!, 1, { receivedAt: 10 }),
      reply(sends[2]!, 3, { receivedAt: 20 }), // gap: 2 is missing here
      reply(sends[1]!, 2, { receivedAt: 30 }), // regression, and m1 answered after m2
      reply(sends[3]!, 4, { receivedAt: 40 }), // 4 after 2: another gap
    ];
    const violations = checkOrder(sends, replies);
    expect(violations.map((v) => v.kind)).toEqual(['seq-gap', 'seq-regression', 'answer-order', 'seq-gap']);
    const report = checkChaos(records(sends, replies));
    expect(report.order).toMatchObject({ seqGaps: 2, seqRegressions: 1, answerOrder: 1 });
    expect(report.orderViolations).toBe(4);
  });

  it('keeps chats apart and does not call a repeated outbound an order violation', () => {
    const a = [sent(0, { chatId: 'a' }), sent(1, { chatId: 'a' })];
    const b = [sent(0, { chatId: 'b', sentAt: 1_050 })];
    const replies = [reply(a[0]!, 1), reply(b[0]!, 1), reply(a[0]!, 1, { receivedAt: 1_900 }), reply(a[1]!, 2)];
    const report = checkChaos(records([...a, ...b], replies));
    expect(report.orderViolations).toBe(0);
    expect(report.duplicated).toBe(1);
  });

  it('counts replies to messages it never sent as stray, and error replies apart', () => {
    const sends = [sent(0)];
    const report = checkChaos(
      records(sends, [
        reply(sends[0]!, 1, { kind: 'error' }),
        { ...reply(sends[0]!, 2), replyTo: 'elsewhere', outboundId: 'x' },
      ]),
    );
    expect(report).toMatchObject({ strayReplies: 1, errorReplies: 1, lost: 0, clean: false });
    expect(report.failures).toEqual(['1 stray replies (to no message of this run)', '1 error replies']);
  });

  it('tells where a lost message stopped from the store', () => {
    const sends = [0, 1, 2, 3].map((i) => sent(i));
    const store: StoreSnapshot = {
      events: [
        { streamId: 's', type: 'UserMessageAdded', turnId: 't1', messageId: 'c1-m1' },
        { streamId: 's', type: 'UserMessageAdded', turnId: 't2', messageId: 'c1-m2' },
        { streamId: 's', type: 'TurnCompleted', turnId: 't2', outboundId: 'o2' },
        { streamId: 's', type: 'UserMessageAdded', turnId: 't3', messageId: 'c1-m3' },
        { streamId: 's', type: 'ToolCallStarted', turnId: 't3', toolCallId: 'call' },
        { streamId: 's', type: 'ToolCallStarted', turnId: 't3', toolCallId: 'call' },
        { streamId: 's', type: 'TurnCompleted', turnId: 't3', outboundId: 'o3' },
        { streamId: 's', type: 'TurnCompleted', turnId: 't3', outboundId: 'o3' },
      ],
      deliveries: [{ outboundId: 'o3', sessionId: 's', seq: 1, chatId: 'c1', status: 'sent' }],
      outboxPending: 0,
    };
    const report = checkChaos(records(sends, [], [], store));
    expect(report.problems.map((p) => p.stage)).toEqual([
      'not-recorded',
      'turn-unfinished',
      'not-delivered',
      'delivered-not-seen',
    ]);
    expect(report.store).toMatchObject({
      lostByStage: {
        'not-recorded': 1,
        'turn-unfinished': 1,
        'not-delivered': 1,
        'delivered-not-seen': 1,
        'not-pushed-live': 0,
      },
      toolCallsStartedTwice: 1,
      turnsFinishedTwice: 1,
      messagesRecordedTwice: 0,
    });
  });

  it('calls a reply only a new subscription found lost for the open stream (not-pushed-live)', () => {
    const sends = [sent(0), sent(1)];
    const report = checkChaos(
      records(sends, [reply(sends[0]!, 1), reply(sends[1]!, 2, { live: false, receivedAt: 90_000 })]),
    );
    expect(report.lost).toBe(1);
    expect(report.problems[0]).toMatchObject({ messageId: 'c1-m1', stage: 'not-pushed-live', replies: 1 });
    // A live reply plus the same event again at the catch-up is still two events: a duplicate.
    const twice = checkChaos(
      records(sends, [reply(sends[0]!, 1), reply(sends[1]!, 2), reply(sends[1]!, 2, { live: false })]),
    );
    expect(twice).toMatchObject({ lost: 0, duplicated: 1, windowDuplicated: 1 });
  });

  it('reports a fault nothing recovered from, and skipped faults apart', () => {
    const sends = [sent(0)];
    const report = checkChaos(
      records(
        sends,
        [reply(sends[0]!, 1)],
        [
          fault(1, 500),
          fault(2, 5_000, 'pg:restart-fast'),
          { ...fault(3, 6_000, 'runner:mid-tool'), skipped: 'no tool call' },
        ],
      ),
    );
    expect(report.faults).toBe(2);
    expect(report.skippedFaults).toBe(1);
    expect(report.unrecoveredFaults).toBe(1);
    expect(report.recoveryP99Ms).toBe(Infinity);
    expect(report.line).toMatch(/recovery p99 unrecovered$/);
  });

  it('blames problems no fault explains on "(no fault nearby)"', () => {
    const sends = [sent(0)];
    const report = checkChaos(records(sends, [], [fault(1, 90_000)]));
    expect(report.byKind.at(-1)).toMatchObject({ kind: '(no fault nearby)', lost: 1 });
  });
});

describe('trapEvidence', () => {
  it('tells whether an armed kill landed inside its window', () => {
    const sends = [sent(0, { text: 'm0 [tool]', tool: true }), sent(1)];
    const store: StoreSnapshot = {
      events: [
        { streamId: 's', type: 'UserMessageAdded', turnId: 't0', messageId: 'c1-m0', at: 1_000 },
        { streamId: 's', type: 'ToolCallStarted', turnId: 't0', toolCallId: 'x', at: 1_050 },
        { streamId: 's', type: 'ToolCallCompleted', turnId: 't0', toolCallId: 'x', at: 4_000 },
      ],
      deliveries: [
        { outboundId: 'o-early', sessionId: 's', seq: 1, chatId: 'c1', status: 'sent', at: 2_990 },
        { outboundId: 'o-cut', sessionId: 's', seq: 2, chatId: 'c1', status: 'sent', at: 8_000 },
      ],
      outboxPending: 0,
    };
    const run: ChaosRecords = {
      ...records(
        sends,
        [],
        [
          { id: 1, kind: 'runner:mid-tool', at: 1_060, victim: 'm0 [tool]' },
          { id: 2, kind: 'delivery:mid-send', at: 3_000 },
          { id: 3, kind: 'delivery:mid-send', at: 6_000 },
        ],
        store,
      ),
      mailbox: [
        { outboundId: 'o-early', chatId: 'c1', seq: 1, at: 2_980 },
        { outboundId: 'o-cut', chatId: 'c1', seq: 2, at: 2_995 },
      ],
    };
    expect(trapEvidence(run)).toEqual([
      { kind: 'runner:mid-tool', injected: 1, struckInWindow: 1 },
      { kind: 'delivery:mid-send', injected: 2, struckInWindow: 1 },
    ]);
  });
});

describe('helpers', () => {
  it('percentile is nearest-rank', () => {
    expect(percentile([], 99)).toBeNull();
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(99);
    expect(
      percentile(
        Array.from({ length: 200 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(198);
  });

  it('attribute prefers the fault during the flight over the one before', () => {
    const faults = [fault(1, 500), fault(2, 1_200), fault(3, 1_800)];
    expect(attribute(1_000, faults, 30_000)?.id).toBe(2);
    expect(attribute(2_000, faults, 30_000)?.id).toBe(3);
    expect(attribute(100_000, faults, 30_000)).toBeUndefined();
  });

  it('recovery waits for a reply to a message sent after the fault', () => {
    const sends = [sent(0), sent(1)];
    const sentById = new Map(sends.map((s) => [s.messageId, s]));
    // m0 (sent before the fault) answered late does not count; m1 does.
    const replies = [reply(sends[0]!, 1, { receivedAt: 1_600 }), reply(sends[1]!, 2, { receivedAt: 2_400 })];
    expect(recoveryOf(fault(1, 1_500), replies, sentById)).toBe(900);
    expect(formatDuration(900)).toBe('900 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
  });
});

describe('checker on a long run', () => {
  it('summarizes more values than a function call takes arguments', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    expect(maxOf(many)).toBe(299_999);
    expect(minOf(many)).toBe(0);
  });
});

/** Records of a whole run: faults healed, the run went on for a minute after the last one. */
function run(sends: SentRecord[], replies: ReplyRecord[], extra: Partial<ChaosRecords> = {}): ChaosRecords {
  return { ...records(sends, replies, [{ ...fault(1, 500), healedAt: 600 }]), endedAt: 90_000, ...extra };
}

describe('checkChaos: the blind spots of issue 10', () => {
  it('checks every reply text against the echo its message should get', () => {
    const sends = [sent(0), sent(1)];
    const report = checkChaos(run(sends, [reply(sends[0]!, 1), reply(sends[1]!, 2, { text: 'echo: m0' })]));
    expect(report).toMatchObject({ lost: 0, wrongTextReplies: 1, clean: false });
    expect(report.wrongTexts).toEqual([{ messageId: 'c1-m1', expected: 'echo: m1', got: 'echo: m0' }]);
    expect(report.failures).toEqual(['1 replies with the wrong text']);
  });

  it("matches replies to their own chat: a reply on another chat's stream is misrouted, and its message lost", () => {
    const a = sent(0, { chatId: 'a' });
    const b = sent(0, { chatId: 'b', sentAt: 1_050 });
    const report = checkChaos(run([a, b], [reply(b, 1), { ...reply(a, 1), chatId: 'b' }]));
    expect(report).toMatchObject({ misroutedReplies: 1, lost: 1, clean: false });
    expect(report.problems).toEqual([expect.objectContaining({ messageId: 'a-m0', verdict: 'lost' })]);
    expect(report.failures).toContain('1 replies to a message of another chat');
  });

  it('fails on notice replies (a message settled as failed) as on error replies', () => {
    const sends = [sent(0)];
    const report = checkChaos(run(sends, [reply(sends[0]!, 1, { kind: 'notice', text: 'could not process' })]));
    expect(report).toMatchObject({ lost: 0, noticeReplies: 1, clean: false });
  });

  it('a poison input refused with a 400 and a chat that goes on is clean', () => {
    const sends = [
      sent(0),
      sent(1, { poison: 'nul', expect: undefined, status: 'rejected', httpStatus: 400 }),
      sent(2),
    ];
    const report = checkChaos(run(sends, [reply(sends[0]!, 1), reply(sends[2]!, 2)]));
    expect(report.poison).toMatchObject({ sent: 1, rejected: 1, accepted: 0 });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ clean: true, stranded: 0 });
  });

  it('a poison input that is accepted and stalls its chat: poison accepted, lost, and a stranded chat', () => {
    // What main does with a NUL today: 202, the runner cannot store it, every later message waits for it.
    const sends = [sent(0), sent(1, { poison: 'nul', expect: undefined }), sent(2), sent(3), sent(4)];
    const report = checkChaos(run(sends, [reply(sends[0]!, 1)]));
    expect(report).toMatchObject({ lost: 4, stranded: 1, clean: false });
    expect(report.poison).toMatchObject({ sent: 1, accepted: 1, rejected: 0, byKind: { nul: { accepted: 1 } } });
    expect(report.strandedChats).toEqual([
      { chatId: 'c1', firstUnanswered: 'c1-m1', unansweredAfter: 3, poison: 'nul' },
    ]);
    expect(report.failures).toEqual(
      expect.arrayContaining([
        '1 poison inputs accepted (the edge must refuse them with a 400)',
        '1 stranded chats (stopped answering for good)',
      ]),
    );
  });

  it('a chat whose messages stop being answered is stranded; one lost message followed by answers is not', () => {
    const stuck = [0, 1, 2, 3].map((i) => sent(i, { chatId: 'stuck', partition: 3 }));
    const hole = [0, 1, 2].map((i) => sent(i, { chatId: 'hole' }));
    const replies = [reply(stuck[0]!, 1), reply(hole[0]!, 1), reply(hole[2]!, 2)];
    const report = checkChaos(run([...stuck, ...hole], replies));
    expect(report.lost).toBe(4);
    expect(report.strandedChats).toEqual([
      { chatId: 'stuck', partition: 3, firstUnanswered: 'stuck-m1', unansweredAfter: 2 },
    ]);
  });

  it('does not call a chat stranded before the run went on long enough after the last fault healed', () => {
    const sends = [0, 1, 2].map((i) => sent(i));
    const report = checkChaos(
      run(sends, [reply(sends[0]!, 1)], { faults: [{ ...fault(1, 2_000), healedAt: 80_000 }] }),
      { strandedAfterMs: 20_000 },
    );
    expect(report).toMatchObject({ lost: 2, stranded: 0 });
  });

  it('reports recovery per router partition: one stalled partition shows while the others answer', () => {
    const fast = [0, 1, 2].map((i) => sent(i, { chatId: 'fast', partition: 0 }));
    const slow = [0, 1, 2].map((i) => sent(i, { chatId: 'slow', partition: 5, sentAt: 1_000 * (i + 1) + 10 }));
    const replies = [reply(fast[0]!, 1), reply(fast[1]!, 2), reply(fast[2]!, 3), reply(slow[0]!, 1)];
    const report = checkChaos(run([...fast, ...slow], replies, { faults: [{ ...fault(1, 1_500), healedAt: 1_600 }] }));
    expect(report.unrecoveredFaults).toBe(0); // overall, the fast partition answered
    expect(report.recoveryByPartition).toEqual([
      expect.objectContaining({ partition: 0, chats: 1, faults: 1, unrecovered: 0, p50Ms: 600 }),
      expect.objectContaining({ partition: 5, chats: 1, faults: 1, unrecovered: 1, maxMs: Infinity }),
    ]);
    expect(report.recoveryByChat).toMatchObject({ pairs: 2, unrecovered: 1 });
    expect(report.recoveryByChat.worst[0]).toMatchObject({ chatId: 'slow', partition: 5, faultId: 1, ms: Infinity });
    expect(report.failures).toContain('1 times a router partition did not recover after a fault');
  });

  it('fails the run on store anomalies and on apps that exited on their own', () => {
    const sends = [sent(0)];
    const store: StoreSnapshot = {
      events: [
        { streamId: 's', type: 'UserMessageAdded', turnId: 't0', messageId: 'c1-m0' },
        { streamId: 's', type: 'UserMessageAdded', turnId: 't0', messageId: 'c1-m0' },
      ],
      deliveries: [],
      outboxPending: 2,
    };
    const report = checkChaos(
      run(sends, [reply(sends[0]!, 1)], {
        store,
        unexpectedExits: [{ instance: 'router', at: 5_000, code: 1, signal: null }],
      }),
    );
    expect(report).toMatchObject({ lost: 0, unexpectedExits: 1, clean: false });
    expect(report.failures).toEqual([
      '1 messages recorded twice in the store',
      '2 outbox rows never relayed',
      '1 apps that exited on their own (router)',
    ]);
  });

  it('fails the run when a good message is refused', () => {
    const sends = [sent(0, { status: 'rejected', httpStatus: 400 })];
    const report = checkChaos(run(sends, []));
    expect(report).toMatchObject({ rejectedMessages: 1, lost: 0, clean: false });
    expect(report.problems).toEqual([]);
  });

  it('blames a long outage for a message sent while it lasted', () => {
    const outage: FaultRecord = { id: 4, kind: 'pg:down', at: 1_000, healedAt: 200_000 };
    expect(attribute(150_000, [outage], 30_000)?.id).toBe(4);
    expect(attribute(240_000, [outage], 30_000)).toBeUndefined();
  });
});

describe('checkChaos: the sandbox calls against the workspaces', () => {
  // Four [tool] messages whose turns made bash calls: m0 and m3 completed, m6 cut off after it ran, m9 cut off before.
  const sends = [0, 3, 6, 9].map((i) => sent(i, { text: `c1 message ${i} [tool]`, expect: `echo: c1 message ${i} [tool]`, tool: true }));
  const events = (statuses: string[]) =>
    sends.flatMap((s, i) => [
      { streamId: 's', type: 'UserMessageAdded', turnId: `t${i}`, messageId: s.messageId },
      { streamId: 's', type: 'ToolCallStarted', turnId: `t${i}`, toolCallId: `call${i}`, name: 'bash' },
      { streamId: 's', type: 'ToolCallCompleted', turnId: `t${i}`, toolCallId: `call${i}`, status: statuses[i]! },
    ]);
  const check = (lines: Record<string, number>, statuses = ['ok', 'ok', 'interrupted', 'interrupted']) =>
    checkChaos({
      ...run(sends, sends.map((s, i) => reply(s, i + 1)), {
        store: { events: events(statuses), deliveries: [], outboxPending: 0 },
      }),
      sandbox: { lines, files: 1 },
    });
  const good = { 'c1 message 0': 1, 'c1 message 3': 1, 'c1 message 6': 1 };

  it('is clean when each completed call ran once and a cut-off one at most once', () => {
    const report = check(good);
    expect(report.sandbox).toMatchObject({ bashCalls: 4, ok: 2, interruptedRan: 1, interruptedNotRan: 1, ranTwice: 0 });
    expect(report.failures).toEqual([]);
  });

  it('fails on a call that ran twice, an ok call without its effect, and an effect of no recorded call', () => {
    const report = check({ 'c1 message 0': 1, 'c1 message 6': 2, 'c1 message 12': 1 });
    expect(report.sandbox).toMatchObject({ ranTwice: 1, okWithoutEffect: 1, effectsWithoutCall: 1 });
    expect(report.failures).toEqual([
      '1 sandbox bash calls whose effect is in the workspace twice',
      '1 sandbox bash calls completed ok without their effect in the workspace',
      '1 sandbox effects of no recorded bash call (run by a runner without the lease)',
    ]);
    expect(report.sandbox!.examples).toEqual([
      'completed ok without its effect: c1 message 3',
      'ran 2 times: c1 message 6',
      'in the workspace, of no recorded call: c1 message 12',
    ]);
  });
});
