import { openChat, pidOfPeer, startDockerProxy, type DockerProxy, type RecordedRequest } from '@clawfleet/testing';
import Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSessionStreams } from './support/event-store-probe';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';

/**
 * A runner frozen (SIGSTOP) past its lease at the worst moments of a tool call — after it checked its
 * lease and sent the call to the sandbox, and while it was still making the sandbox — must start
 * nothing once it wakes: the other runner has taken the session over by then, reported the cut-off
 * call as interrupted and run the model's retry. The runners reach the engine through a proxy that
 * holds the frozen runner's bytes, so the pause lands exactly there.
 */
const docker = new Docker();
const workspaces = fs.mkdtempSync(path.join(os.tmpdir(), 'clawfleet-e2e-fence-'));
const RUNNERS = ['session-runner', 'session-runner#1'] as const;
let f: PlatformFixture;
let proxy: DockerProxy;

type Message = { role: string; content?: string };

/** The model: append one line to `counter-<chat>`; after "interrupted", try once more; then say what happened. */
function agent(request: RecordedRequest) {
  const messages: Message[] = request.body?.messages ?? [];
  const last = messages.at(-1);
  const counter = /count (\w+)/.exec(request.lastUserText ?? '')?.[1];
  if (!counter) return 'no plan';
  const call = { toolCalls: [{ name: 'bash', arguments: { command: `echo x >> counter-${counter}` } }] };
  if (last?.role !== 'tool') return call;
  return /interrupted/.test(last.content ?? '') ? call : `done: ${last.content}`;
}

/** The text of `counter-<name>` in whichever session workspace has it. */
function counter(name: string): string | undefined {
  const file = fs
    .readdirSync(workspaces, { recursive: true, encoding: 'utf8' })
    .find((p) => path.basename(p) === `counter-${name}`);
  return file === undefined ? undefined : fs.readFileSync(path.join(workspaces, file), 'utf8');
}

const containers = async () =>
  (await docker.listContainers({ all: true, filters: { label: ['clawfleet.sandbox=1'] } })).filter((c) =>
    c.Mounts.some((m) => m.Source?.startsWith(`${workspaces}/`)),
  );

/** The runner instance on the other end of a proxied connection. */
function runnerOn(peerPort: number) {
  const pids = new Map(RUNNERS.flatMap((r) => (f.platform.pid(r) ? [[f.platform.pid(r)!, r] as const] : [])));
  const pid = pidOfPeer(peerPort, proxy.port, [...pids.keys()]);
  const instance = pid === undefined ? undefined : pids.get(pid);
  if (!instance || pid === undefined) throw new Error(`no runner holds the connection from port ${peerPort}`);
  return { instance, group: (signal: NodeJS.Signals) => process.kill(-pid, signal) };
}

const leaseLostLines = (instance: (typeof RUNNERS)[number]) =>
  f.platform.logs(instance).filter((line) => line.includes('lease lost: stopped without writing')).length;

async function outcomesOf(text: string): Promise<string[]> {
  const events = [...(await readSessionStreams(f.db.url)).values()].find((es) =>
    es.some((e) => e.type === 'UserMessageAdded' && e.data.text === text),
  );
  return (events ?? []).filter((e) => e.type === 'ToolCallCompleted').map((e) => e.data.outcome.status);
}

beforeAll(async () => {
  proxy = await startDockerProxy();
  f = await startPlatform({
    replicas: { 'session-runner': 2 },
    env: { SANDBOX_WORKSPACE_ROOT: workspaces, DOCKER_HOST: proxy.host },
    // The fenced runner says so at info level.
    appEnv: { 'session-runner': { LOG_LEVEL: 'info' } },
  });
  f.model.setReply(agent);
}, 120_000);
afterAll(async () => {
  await f?.stop();
  await proxy?.close();
  for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true });
  const left = await containers();
  fs.rmSync(workspaces, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe('a runner frozen past its lease in the middle of a tool call', () => {
  it('starts nothing when it wakes after it had sent the call: the sandbox refuses it (the deadline travels with it)', async () => {
    const chat = await openChat(f.gateway, 'fence-sent');
    const hold = proxy.holdNext('echo x >> counter-sent');
    await chat.send('count sent');
    // The runner checked its lease and sent the call; the engine has not seen it yet. Freeze the runner.
    const victim = runnerOn((await hold.held).peerPort);
    victim.group('SIGSTOP');
    try {
      // The other runner takes the session over: the cut-off call is reported interrupted, the retry runs.
      expect((await chat.nextReply(60_000)).text).toBe('done: exit code: 0\n(no output)');
      expect(await outcomesOf('count sent')).toEqual(['interrupted', 'ok']);
      expect(counter('sent')).toBe('x\n');
    } finally {
      victim.group('SIGCONT');
    }
    const refused = proxy.answered('"fenced":true', 30_000);
    const lost = leaseLostLines(victim.instance);
    hold.release();
    // The woken runner's call reaches the sandbox after the deadline it carries: refused, not started.
    await refused;
    await eventually('the woken runner to stop', () => leaseLostLines(victim.instance) > lost, 30_000);
    expect(counter('sent')).toBe('x\n');
    expect(await outcomesOf('count sent')).toEqual(['interrupted', 'ok']);
    await chat.close();
  });

  it('starts nothing when it wakes while it was still making the sandbox: it checks its lease before the send', async () => {
    const chat = await openChat(f.gateway, 'fence-making');
    const hold = proxy.holdNext('POST /containers/create?name=clawfleet.');
    await chat.send('count making');
    const victim = runnerOn((await hold.held).peerPort);
    victim.group('SIGSTOP');
    try {
      expect((await chat.nextReply(60_000)).text).toBe('done: exit code: 0\n(no output)');
      expect(counter('making')).toBe('x\n');
    } finally {
      victim.group('SIGCONT');
    }
    const lost = leaseLostLines(victim.instance);
    // Its create now finds the other runner's container (409) and adopts it; then its lease check stops it.
    hold.release();
    await eventually('the woken runner to stop', () => leaseLostLines(victim.instance) > lost, 30_000);
    expect(counter('making')).toBe('x\n');
    expect(await outcomesOf('count making')).toEqual(['interrupted', 'ok']);
    await chat.close();
  });
});
