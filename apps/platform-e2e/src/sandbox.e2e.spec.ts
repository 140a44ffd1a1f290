import { openChat, type RecordedRequest } from '@clawfleet/testing';
import Docker from 'dockerode';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSessionStreams } from './support/event-store-probe';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

// The platform as processes, a fake model that calls the sandbox tools, and the real Docker engine.
const docker = new Docker();
const workspaces = fs.mkdtempSync(path.join(os.tmpdir(), 'clawfleet-e2e-ws-'));
let f: PlatformFixture;

const CSV = 'city,visits\nOslo,3\nLima,5\n';
const SCRIPT = 'with open("out.txt", "w") as f:\n    f.write("sum=%d" % sum(range(10)))\nprint("script ran")\n';

type Message = { role: string; content?: string };

/** What the fake model does: a plan of tool calls per user message, then an answer quoting every result. */
function agent(request: RecordedRequest) {
  const messages: Message[] = request.body?.messages ?? [];
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const asked = messages[lastUser]?.content ?? '';
  const results = messages
    .slice(lastUser + 1)
    .filter((m) => m.role === 'tool')
    .map((m) => m.content ?? '');
  const plans: Record<string, { name: string; arguments: Record<string, unknown> }[]> = {
    'write and run a script': [
      { name: 'write_file', arguments: { path: 'hello.py', content: SCRIPT } },
      { name: 'bash', arguments: { command: 'python3 hello.py' } },
      { name: 'read_file', arguments: { path: 'out.txt' } },
    ],
    'read it again': [{ name: 'read_file', arguments: { path: 'out.txt' } }],
    'send me the report': [
      { name: 'write_file', arguments: { path: 'reports/visits.csv', content: CSV } },
      { name: 'send_file', arguments: { path: 'reports/visits.csv', caption: 'the report' } },
    ],
    'after the stop': [{ name: 'bash', arguments: { command: 'cat out.txt; ls' } }],
    'show the long file': [{ name: 'bash', arguments: { command: 'cat long.txt' } }],
    'a long command': [
      { name: 'bash', arguments: { command: 'echo started > long.txt; sleep 60; echo finished >> long.txt' } },
    ],
  };
  const plan = plans[asked] ?? [];
  const next = plan[results.length];
  return next ? { toolCalls: [next] } : `results: ${results.join(' | ')}`;
}

/** Whether some session's workspace holds `name` with `text` in it. */
function workspaceHas(name: string, text: string): boolean {
  return fs
    .readdirSync(workspaces, { recursive: true, encoding: 'utf8' })
    .filter((p) => path.basename(p) === name)
    .some((p) => fs.readFileSync(path.join(workspaces, p), 'utf8').includes(text));
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
    expect((await chat.nextReply(30_000)).text).toBe(
      'results: exit code: 0\n--- stdout ---\nsum=45hello.py\nout.txt\n',
    );
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

  it('sends a workspace file to the user as an attachment of a reply on the HTTP channel; the session keeps no bytes', async () => {
    const chat = await openChat(f.gateway, 'sandbox-file');
    await chat.send('send me the report');
    const sent = await chat.nextReply(60_000);
    expect(sent).toMatchObject({
      kind: 'reply',
      text: 'the report',
      attachment: { name: 'visits.csv', mediaType: 'text/csv', size: CSV.length },
    });
    expect(Buffer.from(sent.attachment!.content, 'base64').toString('utf8')).toBe(CSV);
    expect(sent.attachment!.sha256).toBe(createHash('sha256').update(CSV).digest('hex'));
    const answer = await chat.nextReply(30_000);
    expect(answer.text).toBe(
      `results: wrote ${CSV.length} bytes to reports/visits.csv | sent visits.csv (${CSV.length} bytes, text/csv) to the user`,
    );
    expect(answer.seq).toBe(sent.seq + 1);
    await chat.close();
    // The session records what was sent (name, type, size, hash), never the bytes.
    const events = [...(await readSessionStreams(f.db.url)).values()].find((es) =>
      es.some((e) => e.type === 'UserMessageAdded' && e.data.text === 'send me the report'),
    )!;
    const completed = events.filter((e) => e.type === 'ToolCallCompleted');
    expect(completed.map((e) => e.data.sent)).toEqual([
      undefined,
      expect.objectContaining({ name: 'visits.csv', size: CSV.length, outboundSeq: sent.seq, outboundId: sent.outboundId }),
    ]);
    expect(JSON.stringify(events)).not.toContain(sent.attachment!.content);
  });

  it('reports a bash call cut off by a kill -9 of session-runner as interrupted; the next runner adopts the container', async () => {
    const earlier = (await containers()).length;
    const chat = await openChat(f.gateway, 'sandbox-crash');
    await chat.send('a long command');
    const session = async () =>
      [...(await readSessionStreams(f.db.url)).values()].find((es) =>
        es.some((e) => e.type === 'UserMessageAdded' && e.data.text === 'a long command'),
      ) ?? [];
    await eventually(
      'the bash call to start',
      async () => (await session()).some((e) => e.type === 'ToolCallStarted'),
      30_000,
    );
    await eventually('the command to run in the sandbox', async () => (await containers()).length > earlier, 10_000);
    // The command itself has begun once its first line is in the workspace (a host directory).
    await eventually('the command to write its first line', () => workspaceHas('long.txt', 'started'), 10_000);
    const before = new Set((await containers()).map((c) => c.Id));
    await f.platform.kill('session-runner');
    await f.platform.start('session-runner');

    const reply = await chat.nextReply(60_000);
    expect(reply.text).toBe('results: The bash call was interrupted by a restart; whether it took effect is unknown.');
    const completed = (await session()).filter((e) => e.type === 'ToolCallCompleted');
    expect(completed.map((e) => e.data.outcome.status)).toEqual(['interrupted']);
    // The new runner adopts the session's container: the same one, with the files the cut-off call wrote.
    await chat.send('show the long file');
    expect((await chat.nextReply(30_000)).text).toBe('results: exit code: 0\n--- stdout ---\nstarted\n');
    expect(new Set((await containers()).map((c) => c.Id))).toEqual(before);
    await chat.close();
  });
});
