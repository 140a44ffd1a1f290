import { makeEnvelope } from '@clawfleet/bus';
import { DeliverySucceeded, OutboundReady } from '@clawfleet/contracts';
import { type ChatClient } from '@clawfleet/testing';
import { Client } from 'pg';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

const CHATS = 6;
const MESSAGES_PER_CHAT = 5;
let f: PlatformFixture;

beforeAll(async () => {
  // A slow model keeps turns in flight while a service dies.
  f = await startPlatform({ modelLatencyMs: 40 });
});
afterAll(async () => {
  await f?.stop();
});

/**
 * Sends messages from several chats while `app` is killed with SIGKILL and started again, then
 * checks that every message got exactly one reply, in the order the chat sent them.
 */
async function survivesKill(app: 'router' | 'session-runner' | 'delivery') {
  const chats: ChatClient[] = await Promise.all(Array.from({ length: CHATS }, (_, i) => f.openChat(`${app}-crash-${i}`)));
  const sent = new Map<string, string[]>();
  const sendRound = async (round: number) =>
    Promise.all(
      chats.map(async (chat) => {
        const text = `${chat.chatId} message ${round}`;
        await chat.send(text);
        sent.set(chat.chatId, [...(sent.get(chat.chatId) ?? []), `echo: ${text}`]);
      }),
    );

  await sendRound(0);
  await sendRound(1);
  await f.platform.kill(app);
  for (let round = 2; round < MESSAGES_PER_CHAT; round++) await sendRound(round);
  await f.platform.start(app);

  for (const chat of chats) {
    const expected = sent.get(chat.chatId)!;
    const replies = await chat.waitForReplies(expected.length, 30_000);
    expect(replies.map((r) => r.text)).toEqual(expected);
    expect(replies.map((r) => r.seq)).toEqual(expected.map((_, i) => i + 1));
  }
  // Quiet for a moment: a late duplicate would show up now.
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const chat of chats) expect(chat.replies).toHaveLength(MESSAGES_PER_CHAT);
  await Promise.all(chats.map((c) => c.close()));
}

describe('kill -9 while messages are in flight', () => {
  it('of the router: every message gets exactly one reply, in order', () => survivesKill('router'));
  it('of session-runner: every message gets exactly one reply, in order', () => survivesKill('session-runner'));
  it('of delivery: every message gets exactly one reply, in order', () => survivesKill('delivery'));
});

describe('a delivery process that died after recording a send and before reporting it', () => {
  it('leaves the report to the next delivery of the message: one delivery.succeeded, nothing sent twice', async () => {
    const sessionId = '01936b2e-0000-7000-8000-0000000000dd';
    const outboundId = '01936b2e-0000-7000-8000-0000000000de';
    const chat = { channel: 'http' as const, chatId: 'died-before-report' };
    // What the dead process left: the send recorded and the session's cursor moved, no fact published.
    const db = new Client({ connectionString: f.db.url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO delivery.deliveries (outbound_id, tenant_id, session_id, seq, channel, chat_id, status, channel_message_ids)
         VALUES ($1, 'default', $2, 1, 'http', $3, 'sent', '["mailbox-7"]')`,
        [outboundId, sessionId, chat.chatId],
      );
      await db.query(`INSERT INTO delivery.session_cursors (session_id, tenant_id, last_seq) VALUES ($1, 'default', 1)`, [sessionId]);
    } finally {
      await db.end();
    }
    const outbound = makeEnvelope(OutboundReady, {
      tenantId: 'default',
      data: { outboundId, sessionId, turnId: null, seq: 1, chat, text: 'sent before the crash', kind: 'reply' },
    });
    // Redelivered twice (new message ids defeat JetStream's dedup): the report is one fact.
    for (const attempt of [1, 2]) {
      await f.bus.publishRaw(f.bus.topology.subjects.outboundReady('http'), JSON.stringify(outbound), `redelivery-${attempt}`);
    }
    const reports = async () =>
      (await f.bus.messages('EVENTS'))
        .filter((m) => m.subject.includes('delivery.succeeded'))
        .map((m) => DeliverySucceeded.envelope.parse(m.json()))
        .filter((e) => e.data.outboundId === outboundId);
    await eventually('the delivery.succeeded fact', async () => (await reports()).length > 0);
    expect((await reports()).map((e) => e.data.channelMessageIds)).toEqual([['mailbox-7']]);
    const mailbox = await f.bus.messages('HTTP_MAILBOX');
    expect(mailbox.filter((m) => m.string().includes('sent before the crash'))).toEqual([]);
  });
});
