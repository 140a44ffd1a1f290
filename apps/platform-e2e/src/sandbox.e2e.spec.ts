import { openChat, type RecordedRequest } from '@clawfleet/testing';
import Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSessionStreams } from './support/event-store-probe';
import { startPlatform, type PlatformFixture } from './support/fixture';

// The platform as processes, a fake model that calls the sandbox tools, and the real Docker engine.
const docker = new Docker();
const workspaces = fs.mkdtempSync(path.join(os.tmpdir(), 'clawfleet-e2e-ws-'));
let f: PlatformFixture;

const SCRIPT = 'with open("out.txt", "w") as f:\n    f.write("sum=%d" % sum(range(10)))\nprint("script ran")\n';

type Message = { role: string; content?: string };

/** What the fake model does: a plan of tool calls per user message, then an answer quoting every result. */
function agent(request: RecordedRequest) {
  const messages: Message[] = request.body?.messages ?? [];
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const asked = messages[lastUser]?.content ?? '';
  const results = messages.slice(lastUser + 1).filter((m) => m.role === 'tool').map((m) => m.content ?? '');
  const plans: Record<string, { name: string; arguments: Record<string, unknown> }[]> = {
    'write and run a script': [
      { name: 'write_file', arguments: { path: 'hello.py', content: SCRIPT } },
      { name: 'bash', arguments: { command: 'python3 hello.py' } },
      { name: 'read_file', arguments: { path: 'out.txt' } },
    ],
    'read it again': [{ name: 'read_file', arguments: { path: 'out.txt' } }],
    'after the stop': [{ name: 'bash', arguments: { command: 'cat out.txt; ls' } }],
  };
  const plan = plans[asked] ?? [];
  const next = plan[results.length];
  return next ? { toolCalls: [next] } : `results: ${results.join(' | ')}`;
}

/** This spec's sandboxes: those whose workspace is under its own directory. */
const containers = async () =>
  (await docker.listContainers({ all: true, filters: { label: ['clawfleet.sandbox=1'] } })).filter((c) =>
    c.Mounts.some((m) => m.Source?.startsWith(`${workspaces}/`)),
  );

beforeAll(async () => {
  f = await startPlatform({ env: { SANDBOX_WORKSPACE_ROOT: workspaces } });
  f.model.setReply(agent);
});
afterAll(async () => {
  await f?.stop();
  for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true });
  const left = await containers();
  fs.rmSync(workspaces, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe('a turn with sandbox tools', () => {
  it('writes a script, runs it and reads its output, with the files kept across turns and a stopped container', async () => {
    const chat = await openChat(f.gateway, 'sandbox-turn');
    await chat.send('write and run a script');
    const first = await chat.nextReply(60_000);
    expect(first.text).toBe(
      `results: wrote ${Buffer.byteLength(SCRIPT)} bytes to hello.py | exit code: 0\n--- stdout ---\nscript ran\n |      1\tsum=45`,
    );

    await chat.send('read it again');
    expect((await chat.nextReply(30_000)).text).toBe('results:      1\tsum=45');

    const [container] = await containers();
    expect(container?.Labels).toMatchObject({ 'clawfleet.tenant': 'default', 'clawfleet.agent': 'default' });
    await docker.getContainer(container!.Id).stop({ t: 0 });
    await chat.send('after the stop');
    expect((await chat.nextReply(30_000)).text).toBe('results: exit code: 0\n--- stdout ---\nsum=45hello.py\nout.txt\n');
    await chat.close();

    // Each call is a durable step of the session: started, then completed with its outcome.
    const events = [...(await readSessionStreams(f.db.url)).values()].find((es) =>
      es.some((e) => e.type === 'UserMessageAdded' && e.data.text === 'write and run a script'),
    )!;
    const started = events.filter((e) => e.type === 'ToolCallStarted').map((e) => e.data.name);
    expect(started).toEqual(['write_file', 'bash', 'read_file', 'read_file', 'bash']);
    const outcomes = events.filter((e) => e.type === 'ToolCallCompleted').map((e) => e.data.outcome.status);
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(await containers()).toHaveLength(1);
  });
});
