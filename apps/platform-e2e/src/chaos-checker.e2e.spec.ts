import { OutboundReady } from '@clawfleet/contracts';
import { ChaosRecorder, ChatStream, checkChaos, postMessage, readStore, type ChaosReport } from '@clawfleet/testing';
import { nanos } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

/**
 * The chaos checker must catch a platform that breaks its guarantees. Each case makes the platform
 * itself misbehave the way a broken consumer would — through the real processes, the real bus and
 * the real database, nothing faked in the apps — and asserts the checker's verdict.
 */
let f: PlatformFixture;
let db: Client;

beforeAll(async () => {
  f = await startPlatform();
  db = new Client({ connectionString: f.db.url });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await f?.stop();
});

/** The user whose chats these are, as in a chaos run: one user, one key. */
const CHECKER = 'checker';

/** A user of one chat, recorded the way a chaos run records: every SSE event, nothing deduplicated. */
async function user(recorder: ChaosRecorder, chatId: string) {
  const key = await f.clientKey(CHECKER);
  const stream = new ChatStream(f.gateway, chatId, (reply) => recorder.reply(reply), { key });
  await stream.open();
  let index = 0;
  return {
    stream,
    async say(text: string) {
      const messageId = `${chatId}-m${index}`;
      const sentAt = Date.now();
      const result = await postMessage(f.gateway, chatId, messageId, text, { key });
      recorder.send({
        chatId,
        index: index++,
        messageId,
        text,
        expect: `echo: ${text}`,
        tool: false,
        sentAt,
        ...result,
      });
      return messageId;
    },
  };
}

async function verdict(
  recorder: ChaosRecorder,
  stream: ChatStream,
  settleMs = 1_500,
  ...more: ChatStream[]
): Promise<ChaosReport> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await Promise.all([stream, ...more].map((s) => s.close()));
  await recorder.readStore(f.db.url);
  return checkChaos(recorder.records());
}

/** The outbound.ready of `chatId` as stored in the OUTBOUND stream. */
async function outboundOf(chatId: string) {
  const owned = f.chatRef(chatId, CHECKER).chatId;
  const found = (await f.bus.messages('OUTBOUND')).filter(
    (m) => OutboundReady.envelope.parse(m.json()).data.chat.chatId === owned,
  );
  expect(found).toHaveLength(1);
  return { msg: found[0]!, envelope: OutboundReady.envelope.parse(found[0]!.json()) };
}

/** What a delivery consumer that acked before committing leaves behind: no record, the session cursor back. */
async function forgetDelivery(outboundId: string, sessionId: string, seq: number) {
  await db.query('DELETE FROM delivery.deliveries WHERE outbound_id = $1', [outboundId]);
  await db.query('UPDATE delivery.session_cursors SET last_seq = $2 WHERE session_id = $1', [sessionId, seq - 1]);
}

describe('the chaos checker catches a broken platform', () => {
  it('a resend of the same outbound: the mailbox dedups it inside its window; past the window the checker counts a window duplicate', async () => {
    const recorder = new ChaosRecorder();
    const chat = await user(recorder, 'checker-resend');
    const messageId = await chat.say('hello once');
    expect(await recorder.waitForReply(messageId, 15_000)).toBe(true);
    const { msg, envelope } = await outboundOf('checker-resend');
    const { outboundId, sessionId, seq } = envelope.data;

    // Redelivery to a consumer with no record of the send (acked before its commit, then crashed):
    // the HTTP mailbox drops the resend on Nats-Msg-Id = outboundId, so the user still sees one reply.
    await forgetDelivery(outboundId, sessionId, seq);
    await f.bus.publishRaw(msg.subject, msg.data, `redelivery-1-${outboundId}`);
    await eventually(
      'the resend settled',
      async () =>
        (await db.query('SELECT 1 FROM delivery.deliveries WHERE outbound_id = $1', [outboundId])).rowCount === 1,
    );
    expect(recorder.replies).toHaveLength(1);

    // The same resend once the mailbox's duplicate window is over (shortened here to 1 s): the user sees it twice.
    const mailbox = f.bus.topology.streams.HTTP_MAILBOX;
    await f.bus.jsm.streams.update(mailbox.name, { duplicate_window: nanos(1_000) });
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await forgetDelivery(outboundId, sessionId, seq);
      await f.bus.publishRaw(msg.subject, msg.data, `redelivery-2-${outboundId}`);
      await eventually('the second copy', () => recorder.replies.length === 2, 15_000);
    } finally {
      await f.bus.jsm.streams.update(mailbox.name, { duplicate_window: nanos(mailbox.duplicateWindowMs) });
    }

    const report = await verdict(recorder, chat.stream);
    expect(report).toMatchObject({ turns: 1, lost: 0, duplicated: 1, windowDuplicated: 1 });
    expect(report.problems[0]).toMatchObject({
      messageId,
      verdict: 'duplicated',
      replies: 2,
      outboundIds: [outboundId],
      windowDuplicate: true,
    });
    expect(report.line).toBe(
      '0 faults over 1 turns: 0 lost, 1 duplicated (1 inside the documented send window), order violations 0, recovery p99 n/a',
    );
  });

  it('a runner that answers one message twice (a second outbound): a duplicate outside the window', async () => {
    const recorder = new ChaosRecorder();
    const chat = await user(recorder, 'checker-twice');
    const messageId = await chat.say('answer me');
    expect(await recorder.waitForReply(messageId, 15_000)).toBe(true);
    const { msg, envelope } = await outboundOf('checker-twice');

    // What a non-idempotent runner would publish on a retry: a new outbound for the same message, next seq.
    const forgedId = randomUUID();
    const forged = {
      ...envelope,
      id: forgedId,
      data: { ...envelope.data, outboundId: forgedId, seq: envelope.data.seq + 1 },
    };
    await f.bus.publishRaw(msg.subject, JSON.stringify(forged), forgedId);
    await eventually('the second answer', () => recorder.replies.length === 2, 15_000);

    const report = await verdict(recorder, chat.stream);
    expect(report).toMatchObject({ turns: 1, lost: 0, duplicated: 1, windowDuplicated: 0, orderViolations: 0 });
    expect(report.problems[0]!.outboundIds).toEqual([envelope.data.outboundId, forgedId]);
  });

  it('a reply sent to another chat, and one with the wrong text: misrouted and wrong text fail the run', async () => {
    const recorder = new ChaosRecorder();
    const mine = await user(recorder, 'checker-mine');
    const other = await user(recorder, 'checker-other');
    const mineId = await mine.say('my words');
    const otherId = await other.say('their words');
    expect(await recorder.waitForReply(mineId, 15_000)).toBe(true);
    expect(await recorder.waitForReply(otherId, 15_000)).toBe(true);

    // What a runner that mixed up its sessions would publish: an answer to my message on the other
    // chat, and an answer on my chat whose text is not what the echo model said.
    for (const [chatId, text] of [
      ['checker-other', 'echo: my words'],
      ['checker-mine', 'echo: something else'],
    ] as const) {
      const { msg, envelope } = await outboundOf(chatId);
      const forgedId = randomUUID();
      const forged = {
        ...envelope,
        id: forgedId,
        data: { ...envelope.data, outboundId: forgedId, seq: envelope.data.seq + 1, replyTo: mineId, text },
      };
      await f.bus.publishRaw(msg.subject, JSON.stringify(forged), forgedId);
    }
    await eventually('both forged replies', () => recorder.replies.length === 4, 15_000);

    const report = await verdict(recorder, mine.stream, 1_500, other.stream);
    expect(report).toMatchObject({ turns: 2, lost: 0, misroutedReplies: 1, wrongTextReplies: 1, clean: false });
    expect(report.wrongTexts).toEqual([{ messageId: mineId, expected: 'echo: my words', got: 'echo: something else' }]);
    expect(report.failures).toEqual(
      expect.arrayContaining(['1 replies to a message of another chat', '1 replies with the wrong text']),
    );
  });

  it('a reply dropped from the bus before delivery: lost, and the store shows where', async () => {
    const recorder = new ChaosRecorder();
    const chat = await user(recorder, 'checker-lost');
    const first = await chat.say('this one arrives');
    expect(await recorder.waitForReply(first, 15_000)).toBe(true);

    await f.platform.kill('delivery');
    const second = await chat.say('this one is dropped');
    // Committed by the runner, relayed from the outbox to OUTBOUND: now only the bus holds it.
    await eventually('the reply on the bus', async () => {
      const msgs = (await f.bus.messages('OUTBOUND')).filter(
        (m) => OutboundReady.envelope.parse(m.json()).data.replyTo === second,
      );
      const outbox = await db.query('SELECT count(*)::int AS n FROM eventstore.outbox');
      return msgs.length === 1 && outbox.rows[0].n === 0;
    });
    const dropped = (await f.bus.messages('OUTBOUND')).find(
      (m) => OutboundReady.envelope.parse(m.json()).data.replyTo === second,
    )!;
    await f.bus.jsm.streams.deleteMessage(f.bus.topology.streams.OUTBOUND.name, dropped.seq);
    await f.platform.start('delivery');

    const report = await verdict(recorder, chat.stream, 6_000);
    expect(report).toMatchObject({ turns: 2, lost: 1, duplicated: 0, orderViolations: 0 });
    expect(report.problems).toEqual([
      expect.objectContaining({ messageId: second, verdict: 'lost', stage: 'not-delivered' }),
    ]);
    expect(report.store?.lostByStage['not-delivered']).toBe(1);
  });
});

test('readStore sees the run in PostgreSQL', async () => {
  const store = await readStore(f.db.url);
  expect(store.events.some((e) => e.type === 'UserMessageAdded' && e.messageId === 'checker-lost-m1')).toBe(true);
  expect(store.deliveries.length).toBeGreaterThan(0);
});
