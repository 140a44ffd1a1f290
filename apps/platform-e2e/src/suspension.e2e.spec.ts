import { makeEnvelope } from '@clawfleet/bus';
import { ToolCompleted } from '@clawfleet/contracts';
import { APP_NAMES, type RecordedRequest } from '@clawfleet/testing';
import { readSessionStreams } from './support/event-store-probe';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

let f: PlatformFixture;

/** Asks the user once; then thanks them with whatever the tool returned. */
function askThenThank(request: RecordedRequest) {
  const messages: Array<{ role: string; content?: string }> = request.body?.messages ?? [];
  const afterUser = messages.slice(messages.map((m) => m.role).lastIndexOf('user') + 1);
  const result = afterUser.find((m) => m.role === 'tool');
  return result ? `thanks, ${result.content}` : { toolCalls: [{ name: 'ask_user', arguments: { question: 'What is your name?' } }] };
}

beforeAll(async () => {
  f = await startPlatform();
  f.model.setReply(askThenThank);
});
afterAll(async () => {
  await f?.stop();
});

async function suspendedToolCall(chatText: string) {
  let found: { sessionId: string; turnId: string; toolCallId: string } | undefined;
  await eventually('a suspended turn', async () => {
    for (const [streamId, events] of await readSessionStreams(f.db.url)) {
      const asked = events.find((e) => e.type === 'UserMessageAdded' && e.data.text === chatText);
      const suspended = events.find((e) => e.type === 'TurnSuspended' && e.data.turnId === asked?.data.turnId);
      if (suspended) found = { sessionId: streamId.slice('session-'.length), turnId: suspended.data.turnId, toolCallId: suspended.data.toolCallId };
    }
    return found !== undefined;
  });
  return found!;
}

describe('a turn suspended on a question', () => {
  it('is resumed by the user answer after every service restarted', async () => {
    const chat = await f.openChat('suspend-restart');
    await chat.send('ask me');
    expect(await chat.nextReply(15_000)).toMatchObject({ text: 'What is your name?', kind: 'reply', seq: 1 });
    await suspendedToolCall('ask me');

    for (const app of APP_NAMES) await f.platform.kill(app);
    for (const app of APP_NAMES) await f.platform.start(app);

    const resumed = await f.openChat('suspend-restart', { lastEventId: chat.lastEventId });
    await resumed.send('Ada');
    expect(await resumed.nextReply(20_000)).toMatchObject({ text: 'thanks, Ada', kind: 'reply', seq: 2 });
    const streams = await readSessionStreams(f.db.url);
    const events = [...streams.values()].find((es) => es.some((e) => e.data?.text === 'Ada'))!;
    // The answer completed the question; it started no turn of its own.
    expect(events.filter((e) => e.type === 'TurnStarted')).toHaveLength(1);
    expect(events.find((e) => e.type === 'ToolCallCompleted')?.data.outcome).toEqual({ status: 'ok', content: 'Ada' });
    await Promise.all([chat.close(), resumed.close()]);
  });

  it('is resumed by tool.completed from the bus (a timeout), once even when it arrives twice', async () => {
    const chat = await f.openChat('suspend-bus');
    await chat.send('ask me too');
    await chat.nextReply(15_000);
    const { sessionId, turnId, toolCallId } = await suspendedToolCall('ask me too');
    const completed = makeEnvelope(ToolCompleted, { tenantId: 'default', data: { sessionId, turnId, toolCallId, outcome: { status: 'timeout' } } });
    const subject = f.bus.topology.subjects.toolCompleted('default', sessionId);
    await f.bus.publishRaw(subject, JSON.stringify(completed), 'first');
    await f.bus.publishRaw(subject, JSON.stringify(completed), 'second');
    expect(await chat.nextReply(15_000)).toMatchObject({ text: 'thanks, No answer came in time.', seq: 2 });
    await chat.send('hello again');
    expect((await chat.nextReply(15_000)).seq).toBe(3);
    expect(chat.replies.filter((r) => r.text.startsWith('thanks'))).toHaveLength(1);
    await chat.close();
  });
});
