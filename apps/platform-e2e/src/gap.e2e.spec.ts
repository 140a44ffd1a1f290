import { makeEnvelope } from '@clawfleet/bus';
import { TurnRequested } from '@clawfleet/contracts';
import { randomUUID } from 'node:crypto';
import { startPlatform, type PlatformFixture } from './support/fixture';

let f: PlatformFixture;

beforeAll(async () => {
  f = await startPlatform({ env: { SESSION_GAP_TIMEOUT_MS: '2000' } });
}, 120_000);
afterAll(async () => {
  await f?.stop();
});

describe('a message whose predecessor never comes (it was dead-lettered upstream)', () => {
  it('is answered after the gap timeout, with a notice that the earlier message was skipped', async () => {
    const chat = await f.openChat('gap-chat');
    const sessionId = randomUUID();
    // Message 2 of a session whose message 1 is gone: nothing will ever fill the gap.
    const request = makeEnvelope(TurnRequested, {
      tenantId: 'default',
      data: {
        sessionId,
        agentId: 'default',
        turnId: randomUUID(),
        seq: 2,
        chat: f.chatRef('gap-chat'),
        message: { messageId: 'after-the-gap', text: 'after the gap', sender: { id: 'gap-chat' } },
        source: 'user',
      },
    });
    await f.bus.publishRaw(
      f.bus.topology.subjects.turnRequested('default', sessionId),
      JSON.stringify(request),
      request.id,
    );

    const replies = await chat.waitForReplies(2, 30_000);
    expect(replies.map((r) => r.text)).toEqual([
      'One of your earlier messages could not be processed and was skipped; please send it again if it mattered.',
      'echo: after the gap',
    ]);
    expect(await f.bus.messages('DLQ')).toEqual([]);
    await chat.close();
  }, 60_000);
});
