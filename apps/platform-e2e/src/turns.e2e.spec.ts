import { type RecordedRequest } from '@clawfleet/testing';
import { readSessionStreams, type StoredEvent } from './support/event-store-probe';
import { startPlatform, type PlatformFixture } from './support/fixture';

/** Messages of a chat-completions request after its last user message. */
function afterLastUser(request: RecordedRequest): Array<{ role: string }> {
  const messages: Array<{ role: string }> = request.body?.messages ?? [];
  const last = messages.map((m) => m.role).lastIndexOf('user');
  return messages.slice(last + 1);
}
/** The round a request asks for: 1 + the model responses already in the turn. */
const roundOf = (request: RecordedRequest) => 1 + afterLastUser(request).filter((m) => m.role === 'assistant').length;

/** A turn never starts while another one of the same session runs. */
function assertOneTurnAtATime(events: StoredEvent[]) {
  let running: string | undefined;
  for (const event of events) {
    if (event.type === 'TurnStarted') {
      expect(running).toBeUndefined();
      running = event.data.turnId;
    } else if (event.type === 'TurnCompleted' || event.type === 'TurnFailed') {
      expect(event.data.turnId).toBe(running);
      running = undefined;
    }
  }
}

describe('sessions without the orphan sweep', () => {
  let f: PlatformFixture;
  beforeAll(async () => {
    // The sweep only rescues the work of a crashed runner: with it off, a message whose kick was lost
    // (recorded just as a run settled, or as another runner let go) would never be answered.
    const noSweep = { SESSION_SWEEP_MS: String(3_600_000) };
    f = await startPlatform({
      replicas: { 'session-runner': 2 },
      modelLatencyMs: 2,
      appEnv: { 'session-runner': noSweep },
    });
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('answer every message, however it meets the end of a run (30 sessions × 6 rapid messages)', async () => {
    const chats = await Promise.all(Array.from({ length: 30 }, (_, i) => f.openChat(`nosweep-${i}`)));
    await Promise.all(
      chats.map(async (chat) => {
        for (let m = 1; m <= 6; m++) {
          await chat.send(`${chat.chatId}/${m}`);
          if (m % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 3 + (m % 3) * 4)); // land near a settle
        }
      }),
    );
    for (const chat of chats) {
      const replies = await chat.waitForReplies(6, 30_000);
      expect(replies.map((r) => r.text)).toEqual([1, 2, 3, 4, 5, 6].map((m) => `echo: ${chat.chatId}/${m}`));
    }
    await Promise.all(chats.map((c) => c.close()));
  });
});

describe('two session-runner replicas', () => {
  let f: PlatformFixture;
  beforeAll(async () => {
    f = await startPlatform({ replicas: { 'session-runner': 2 }, modelLatencyMs: 5 });
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('keep each session in order and run one turn of a session at a time (50 sessions × 5 rapid messages)', async () => {
    const chats = await Promise.all(Array.from({ length: 50 }, (_, i) => f.openChat(`rapid-${i}`)));
    await Promise.all(chats.map(async (chat) => {
      for (let m = 1; m <= 5; m++) await chat.send(`${chat.chatId}/${m}`);
    }));
    for (const chat of chats) {
      const replies = await chat.waitForReplies(5, 60_000);
      expect(replies.map((r) => r.text)).toEqual([1, 2, 3, 4, 5].map((m) => `echo: ${chat.chatId}/${m}`));
    }
    const streams = await readSessionStreams(f.db.url);
    expect(streams.size).toBe(50);
    for (const events of streams.values()) {
      expect(events.filter((e) => e.type === 'UserMessageAdded').map((e) => e.data.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(events.filter((e) => e.type === 'TurnCompleted')).toHaveLength(5);
      assertOneTurnAtATime(events);
    }
    await Promise.all(chats.map((c) => c.close()));
  });

  it('finish every tool-using turn once when runners are killed mid-turn, never re-requesting a recorded response', async () => {
    // Two rounds of get_time, then the answer: each turn makes three model calls and two tool calls.
    f.model.setReply((request) => {
      const tools = afterLastUser(request).filter((m) => m.role === 'tool').length;
      return tools < 2 ? { toolCalls: [{ name: 'get_time', arguments: {} }] } : `done: ${request.lastUserText}`;
    });
    // Slow enough that a kill 50 ms after the messages lands inside the turns' model calls.
    f.model.setLatency(100);
    const chats = await Promise.all(Array.from({ length: 8 }, (_, i) => f.openChat(`tools-${i}`)));
    const sendAll = (round: number) => Promise.all(chats.map((c) => c.send(`${c.chatId}#${round}`)));

    await sendAll(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await f.platform.kill('session-runner');
    await sendAll(2);
    await f.platform.start('session-runner');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await f.platform.kill('session-runner#1');
    await sendAll(3);
    await f.platform.start('session-runner#1');

    for (const chat of chats) {
      const replies = await chat.waitForReplies(3, 60_000);
      expect(replies.map((r) => r.text)).toEqual([1, 2, 3].map((n) => `done: ${chat.chatId}#${n}`));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const chat of chats) expect(chat.replies).toHaveLength(3);

    const streams = [...(await readSessionStreams(f.db.url)).values()].filter((events) =>
      events.some((e) => e.type === 'UserMessageAdded' && String(e.data.text).startsWith('tools-')),
    );
    expect(streams).toHaveLength(8);
    const requests = f.model.requestsWhere({ path: '/v1/chat/completions' });
    // The kills did land mid-call: some unrecorded (turn, round) was asked for again by the survivor.
    const asked = requests.map((r) => `${r.lastUserText}@${roundOf(r)}`);
    expect(asked.length).toBeGreaterThan(new Set(asked).size);
    for (const events of streams) {
      assertOneTurnAtATime(events);
      const textOf = new Map(events.filter((e) => e.type === 'UserMessageAdded').map((e) => [e.data.turnId, e.data.text]));
      const completions = events.filter((e) => e.type === 'ToolCallCompleted').map((e) => e.data.toolCallId);
      expect(new Set(completions).size).toBe(completions.length);
      expect(completions).toHaveLength(6);
      for (const responded of events.filter((e) => e.type === 'ModelResponded')) {
        // Once a response is recorded, the same (turn, round) is never asked of the model again.
        const text = textOf.get(responded.data.turnId);
        const later = requests.filter(
          (r) => r.lastUserText === text && roundOf(r) === responded.data.round && r.receivedAt > responded.recordedAt.getTime(),
        );
        expect(later).toEqual([]);
      }
    }
    await Promise.all(chats.map((c) => c.close()));
  });
});
