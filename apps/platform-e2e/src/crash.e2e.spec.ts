import { openChat, type ChatClient } from '@clawfleet/testing';
import { startPlatform, type PlatformFixture } from './support/fixture';

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
  const chats: ChatClient[] = await Promise.all(Array.from({ length: CHATS }, (_, i) => openChat(f.gateway, `${app}-crash-${i}`)));
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
