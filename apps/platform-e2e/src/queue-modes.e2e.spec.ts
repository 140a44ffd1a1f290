import { type RecordedRequest } from '@clawfleet/testing';
import { allSessionsSettled } from './support/event-store-probe';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

const userTexts = (request: RecordedRequest) =>
  (request.body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'user').map((m) => m.content);

describe.each(['collect', 'interrupt'] as const)('queue mode %s', (mode) => {
  let f: PlatformFixture;
  beforeAll(async () => {
    f = await startPlatform({ appEnv: { 'session-runner': { QUEUE_MODE: mode } } });
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('answers the messages that arrive during a turn together', async () => {
    const chat = await f.openChat(`queue-${mode}`);
    f.model.setLatency(800);
    await chat.send('first');
    await f.model.waitForRequests(1, undefined, 10_000);
    await chat.send('second');
    // In interrupt mode, 'second' restarts the turn at once; 'third' then interrupts the restarted one.
    if (mode === 'interrupt') await f.model.waitForRequests(2, undefined, 10_000);
    await chat.send('third');
    const replies = await chat.waitForReplies(mode === 'collect' ? 2 : 1, 20_000);
    // Nothing more comes: the runner is done with the session and delivery has nothing in hand.
    await eventually('the session settled', () => allSessionsSettled(f.db.url));
    await eventually('delivery drained', async () => {
      const info = await f.bus.jsm.consumers.info(f.bus.topology.streams.OUTBOUND.name, 'delivery');
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
    // collect: the running turn finishes, the next one answers both waiting messages at once;
    // interrupt: the running turn is abandoned, one turn answers all three.
    const expected = { collect: ['echo: first', 'echo: third'], interrupt: ['echo: third'] }[mode];
    expect(chat.replies.map((r) => r.text)).toEqual(expected);
    expect(userTexts(f.model.requests.at(-1)!)).toEqual(['first', 'second', 'third']);
    expect(replies[0].kind).toBe('reply');
    await chat.close();
  });
});
