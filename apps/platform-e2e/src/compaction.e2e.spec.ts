import { type RecordedRequest } from '@clawfleet/testing';
import { readSessionStreams } from './support/event-store-probe';
import { startPlatform, type PlatformFixture } from './support/fixture';

let f: PlatformFixture;

beforeAll(async () => {
  // A tiny context window: the history passes half of it (150 tokens ≈ 600 characters) by the third turn.
  f = await startPlatform({ appEnv: { 'session-runner': { MODEL_CONTEXT_TOKENS: '300', COMPACT_AT: '0.5' } } });
});
afterAll(async () => {
  await f?.stop();
});

const messages = (r: RecordedRequest) => r.body.messages as Array<{ role: string; content: string }>;

describe('context compaction', () => {
  it('summarizes the older history before the model call, and keeps every event', async () => {
    f.model.setReply((request) =>
      messages(request)[0].content.startsWith('You compress conversations') ? 'SUMMARY: three long messages' : `echo: ${request.lastUserText}`,
    );
    const chat = await f.openChat('compaction');
    for (const n of [1, 2, 3]) {
      await chat.send(`message ${n} ${'lorem ipsum '.repeat(25)}`);
      await chat.nextReply(15_000);
    }
    const summarize = f.model.requests.filter((r) => messages(r)[0].content.startsWith('You compress conversations'));
    expect(summarize).toHaveLength(1);
    const answered = f.model.requests.at(-1)!;
    const users = messages(answered).filter((m) => m.role === 'user').map((m) => m.content.slice(0, 48));
    expect(users).toEqual(['Summary of the earlier conversation:\nSUMMARY: th', expect.stringMatching(/^message 2/), expect.stringMatching(/^message 3/)]);

    const [events] = [...(await readSessionStreams(f.db.url)).values()];
    expect(events.filter((e) => e.type === 'ContextCompacted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'UserMessageAdded')).toHaveLength(3); // the full history stays
    await chat.close();
  });
});
