import type { Attachment } from '@clawfleet/contracts';
import { uniqueNamespace } from '@clawfleet/testing';
import { createHash } from 'node:crypto';
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sandboxTools } from '../tools/sandbox.tools';
import { ToolBox } from '../tools/tool.port';
import { DockerSandboxes, LABEL } from './docker.sandbox';
import { containerOptions, DEFAULT_POLICY, policyViolations, WORKSPACE } from './policy';
import { Fenced, type SandboxOwner } from './sandbox.port';
import { workspacePath } from './workspace';

// Real Docker engine, real sandbox image (jest's global setup builds it once per machine).
const docker = new Docker();
const namespace = uniqueNamespace('sbx');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clawfleet-ws-'));
const policy = { ...DEFAULT_POLICY, memoryBytes: 256 * 1024 * 1024, pidsLimit: 64 };
const CANARY = `canary-${randomUUID()}`;
let clock = Date.now();

const options = {
  docker,
  image: 'clawfleet-sandbox:latest',
  policy,
  workspaceRoot: root,
  namespace,
  runnerId: 'runner-a',
  idleMs: 60_000,
  maxPerRunner: 8,
  maxPerTenant: 2,
  now: () => clock,
};
const sandboxes = new DockerSandboxes(options);
const tools = new ToolBox(sandboxTools(sandboxes, { bashMaxTimeoutMs: 60_000, maxOutputBytes: 16_384 }));

const owner = (sessionId = randomUUID(), tenantId = 't1'): SandboxOwner => ({ tenantId, agentId: 'a1', sessionId });
const A = owner();
const B = owner();

async function call(who: SandboxOwner, name: string, args: unknown) {
  return tools.run(
    { id: randomUUID(), name, arguments: JSON.stringify(args) },
    { ...who, turnId: randomUUID(), toolCallId: randomUUID() },
  ) as Promise<{ status: string; content: string }>;
}
const bash = (who: SandboxOwner, command: string, timeoutSeconds?: number) => call(who, 'bash', { command, timeoutSeconds });
const containers = (labels: Record<string, string> = {}) =>
  docker.listContainers({
    all: true,
    filters: { label: Object.entries({ [LABEL.namespace]: namespace, ...labels }).map(([k, v]) => `${k}=${v}`) },
  });

/** Polls `check` until it holds (at most 10 s). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await check()); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(() => {
  // A secret the runner holds: it must never show inside a sandbox.
  process.env.CLAWFLEET_TEST_CANARY = CANARY;
});
afterAll(async () => {
  await sandboxes.removeAll();
  const left = await containers();
  fs.rmSync(root, { recursive: true, force: true });
  delete process.env.CLAWFLEET_TEST_CANARY;
  expect(left).toEqual([]);
});

describe('a session sandbox', () => {
  it('runs commands in a container that conforms to the policy, flag by flag', async () => {
    expect(await bash(A, 'echo hi; echo oops >&2; exit 3')).toEqual({
      status: 'ok',
      content: 'exit code: 3\n--- stdout ---\nhi\n\n--- stderr ---\noops\n',
    });
    const [c] = await containers({ [LABEL.session]: A.sessionId });
    const info = await docker.getContainer(c!.Id).inspect();
    const h = info.HostConfig;
    expect(policyViolations(policy, info, workspacePath(root, namespace, A))).toEqual([]);
    expect(h.NetworkMode).toBe('none');
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.Tmpfs?.['/tmp']).toMatch(/size=/);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info.Config.User).toBe('1000:1000');
    expect(h.Memory).toBe(policy.memoryBytes);
    expect(h.MemorySwap).toBe(policy.memoryBytes);
    expect(h.NanoCpus).toBe(1e9);
    expect(h.PidsLimit).toBe(64);
    expect(h.Privileged).toBe(false);
    expect(h.PidMode).toBe('');
    expect(info.Mounts.map((m) => [m.Source, m.Destination])).toEqual([[workspacePath(root, namespace, A), WORKSPACE]]);
    expect(c!.Labels).toMatchObject({ [LABEL.tenant]: 't1', [LABEL.agent]: 'a1', [LABEL.session]: A.sessionId, [LABEL.runner]: 'runner-a' });
    // Inside: not root, no capabilities, read-only root, writable workspace and /tmp.
    const inside = await bash(A, 'id -u; grep CapEff /proc/self/status; touch /etc/x 2>&1; touch /tmp/x /workspace/x && echo writable');
    expect(inside.content).toMatch(/^1000$/m);
    expect(inside.content).toMatch(/CapEff:\s+0000000000000000/);
    expect(inside.content).toMatch(/Read-only file system/);
    expect(inside.content).toMatch(/writable/);
  });

  it('refuses and removes a container with the session labels that breaks the policy', async () => {
    const who = owner();
    const ws = workspacePath(root, namespace, who);
    fs.mkdirSync(ws, { recursive: true });
    const bad = containerOptions(policy, {
      name: `bad-${namespace}-${who.sessionId}`,
      image: 'clawfleet-sandbox:latest',
      workspaceSource: ws,
      labels: { [LABEL.sandbox]: '1', [LABEL.namespace]: namespace, [LABEL.tenant]: who.tenantId, [LABEL.session]: who.sessionId },
    });
    await docker.createContainer({ ...bad, HostConfig: { ...bad.HostConfig, NetworkMode: 'bridge', CapDrop: [] } });
    const refused = await bash(who, 'echo should not run');
    expect(refused.status).toBe('error');
    expect(refused.content).toMatch(/broke the sandbox policy.*network mode.*capabilities/);
    expect(await containers({ [LABEL.session]: who.sessionId })).toEqual([]);
    // The next call gets a fresh, conforming container.
    expect((await bash(who, 'echo fine')).content).toContain('fine');
    await sandboxes.release(who);
  });

  it('is adopted by another runner on the same engine, inspected again', async () => {
    await bash(A, 'echo adopted > note.txt');
    const [before] = await containers({ [LABEL.session]: A.sessionId });
    const other = new DockerSandboxes({ ...options, runnerId: 'runner-b' });
    const r = await other.exec(A, { argv: ['cat', 'note.txt'], timeoutMs: 10_000, maxOutputBytes: 1000 });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'adopted\n' });
    const after = await containers({ [LABEL.session]: A.sessionId });
    expect(after.map((c) => c.Id)).toEqual([before!.Id]);
  });

  it('keeps the workspace when the container is stopped, by the idle sweep or from outside, and removed', async () => {
    const who = owner();
    expect((await call(who, 'write_file', { path: 'keep/me.txt', content: 'still here' })).status).toBe('ok');
    clock += options.idleMs + 1;
    await sandboxes.sweep();
    const [stopped] = await containers({ [LABEL.session]: who.sessionId });
    expect(stopped?.State).toBe('exited');
    expect((await call(who, 'read_file', { path: 'keep/me.txt' })).content).toBe('     1\tstill here');
    await docker.getContainer(stopped!.Id).stop({ t: 0 });
    expect((await call(who, 'read_file', { path: 'keep/me.txt' })).content).toBe('     1\tstill here');
    // Stopped for a whole idle period: removed; the next call makes a new container on the same workspace.
    clock += options.idleMs + 1;
    await sandboxes.sweep();
    clock += options.idleMs + 1;
    await sandboxes.sweep();
    expect(await containers({ [LABEL.session]: who.sessionId })).toEqual([]);
    expect((await call(who, 'read_file', { path: 'keep/me.txt' })).content).toBe('     1\tstill here');
    await sandboxes.release(who);
    expect(await containers({ [LABEL.session]: who.sessionId })).toEqual([]);
  });

  it('caps the running sandboxes of a tenant with a clear tool error', async () => {
    const [one, two, three] = [owner(undefined, 'capped'), owner(undefined, 'capped'), owner(undefined, 'capped')];
    expect((await bash(one!, 'true')).status).toBe('ok');
    expect((await bash(two!, 'true')).status).toBe('ok');
    expect(await bash(three!, 'true')).toEqual({
      status: 'error',
      content: 'bash failed: tenant capped already has 2 running sandboxes; try again later',
    });
    await sandboxes.release(one!);
    expect((await bash(three!, 'true')).status).toBe('ok');
    await Promise.all([two, three].map((o) => sandboxes.release(o!)));
  });

  it('measures the per-call overhead of a no-op command, through the helper and with one docker exec per call', async () => {
    const viaExec = new DockerSandboxes({ ...options, execMode: 'exec' });
    await bash(A, 'true');
    const p50 = async (port: DockerSandboxes) => {
      const times: number[] = [];
      for (let i = 0; i < 15; i++) {
        const t = performance.now();
        expect(await port.exec(A, { argv: ['true'], timeoutMs: 5_000, maxOutputBytes: 100 })).toMatchObject({ exitCode: 0 });
        times.push(performance.now() - t);
      }
      return times.sort((x, y) => x - y)[7]!;
    };
    const [helper, exec] = [await p50(sandboxes), await p50(viaExec)];
    process.stderr.write(`[sandbox] no-op call p50: helper ${helper.toFixed(1)} ms, docker exec ${exec.toFixed(1)} ms\n`);
    expect(helper).toBeLessThan(exec);
    await viaExec.close();
  });

  it('runs calls with one docker exec each as well: exit codes, stdin, timeouts and caps', async () => {
    const viaExec = new DockerSandboxes({ ...options, execMode: 'exec' });
    const run = (argv: string[], extra: Partial<{ stdin: string; timeoutMs: number }> = {}) =>
      viaExec.exec(A, { argv, timeoutMs: 10_000, maxOutputBytes: 1_000, ...extra });
    expect(await run(['bash', '-c', 'cat; echo err >&2; exit 4'], { stdin: 'in' })).toMatchObject({ exitCode: 4, stdout: 'in', stderr: 'err\n' });
    expect(await run(['bash', '-c', 'sleep 30'], { timeoutMs: 1_000 })).toMatchObject({ exitCode: null, timedOut: true });
    expect(await run(['bash', '-c', 'head -c 3000 /dev/zero'])).toMatchObject({ exitCode: 0, stdoutBytes: 3000 });
    await viaExec.close();
  });

  it('gets a new helper when a command kills the old one, and says the call was cut off', async () => {
    const cut = await bash(A, 'pkill -KILL -f "node -e" ; sleep 1; echo not reached');
    expect(cut).toEqual({ status: 'error', content: expect.stringMatching(/^bash failed: the sandbox helper stopped during the call/) });
    expect((await bash(A, 'echo back')).content).toContain('back');
  });
});

describe('the warm pool', () => {
  it('gives a new session a pre-started container on its own workspace, and measures the first call', async () => {
    const pooled = new DockerSandboxes({ ...options, runnerId: 'runner-pool', warmPool: 1, maxPerTenant: 8 });
    const first = async (port: DockerSandboxes, who: SandboxOwner) => {
      const t = performance.now();
      expect(await port.exec(who, { argv: ['bash', '-c', 'echo first > first.txt'], timeoutMs: 10_000, maxOutputBytes: 100 })).toMatchObject({ exitCode: 0 });
      return performance.now() - t;
    };
    const [warmOwner, coldOwner] = [owner(undefined, 'pool'), owner(undefined, 'pool')];
    await pooled.warmUp();
    const [entry] = (await containers()).filter((c) => c.Labels[LABEL.pool]);
    const warm = await first(pooled, warmOwner);
    const cold = await first(sandboxes, coldOwner);
    process.stderr.write(`[sandbox] first call of a new session: warm pool ${warm.toFixed(0)} ms, cold ${cold.toFixed(0)} ms\n`);
    expect(warm).toBeLessThan(cold);
    // The session's workspace is the pooled container's directory, on the host too (a link to it).
    const ws = workspacePath(root, namespace, warmOwner);
    const dir = path.join(root, namespace, '_ws', entry!.Labels[LABEL.pool]!);
    expect(fs.realpathSync(ws)).toBe(fs.realpathSync(dir));
    expect(fs.readFileSync(path.join(ws, 'first.txt'), 'utf8')).toBe('first\n');
    // Once its first call is done the container takes the session's name, and the pool refills.
    await eventually(async () => (await pooled.containersOf(warmOwner)).map((c) => c.Id).includes(entry!.Id));
    await pooled.warmUp();
    expect((await containers()).filter((c) => c.Labels[LABEL.pool] && c.Id !== entry!.Id)).toHaveLength(1);
    // Claimed, it is the session's container like any other: stopped, it is adopted and started again
    // by another runner (its workspace never moved), with the session's files.
    await docker.getContainer(entry!.Id).stop({ t: 0 });
    const other = new DockerSandboxes({ ...options, runnerId: 'runner-other' });
    expect(await other.exec(warmOwner, { argv: ['cat', 'first.txt'], timeoutMs: 10_000, maxOutputBytes: 100 })).toMatchObject({ stdout: 'first\n' });
    expect((await other.containersOf(warmOwner)).map((c) => c.Id)).toEqual([entry!.Id]);
    await other.close();
    // Released, the claimed container goes and its directory stays: it is the session's workspace.
    await pooled.release(warmOwner);
    expect(await pooled.containersOf(warmOwner)).toEqual([]);
    expect(fs.readFileSync(path.join(ws, 'first.txt'), 'utf8')).toBe('first\n');
    // The next call makes a container of its own on the same workspace.
    expect(await sandboxes.exec(warmOwner, { argv: ['cat', 'first.txt'], timeoutMs: 10_000, maxOutputBytes: 100 })).toMatchObject({ stdout: 'first\n' });
    await sandboxes.release(warmOwner);
    // A returning session (its workspace exists) never takes a warm container.
    const [spare] = (await containers()).filter((c) => c.Labels[LABEL.pool] && c.Id !== entry!.Id);
    await pooled.exec(coldOwner, { argv: ['true'], timeoutMs: 10_000, maxOutputBytes: 100 });
    expect((await pooled.containersOf(coldOwner)).map((c) => c.Id)).not.toContain(spare!.Id);
    await pooled.release(coldOwner);
    // What a runner left in its pool when it stopped is reaped by its next life, directory included.
    const poolDir = path.join(root, namespace, '_ws', spare!.Labels[LABEL.pool]!);
    expect(fs.existsSync(poolDir)).toBe(true);
    await pooled.close();
    const nextLife = new DockerSandboxes({ ...options, runnerId: 'runner-pool' });
    await nextLife.sweep();
    clock = Math.max(clock, Date.now()) + options.idleMs + 1;
    await nextLife.sweep();
    expect((await containers()).filter((c) => c.Labels[LABEL.pool])).toEqual([]);
    expect(fs.existsSync(poolDir)).toBe(false);
    expect(fs.existsSync(dir)).toBe(true);
  });

  it('counts claimed warm containers against the tenant cap', async () => {
    const pooled = new DockerSandboxes({ ...options, runnerId: 'runner-cap', warmPool: 2, maxPerTenant: 1 });
    await pooled.warmUp();
    const [one, two] = [owner(undefined, 'warmcap'), owner(undefined, 'warmcap')];
    expect((await pooled.exec(one, { argv: ['true'], timeoutMs: 10_000, maxOutputBytes: 100 })).exitCode).toBe(0);
    await eventually(async () => (await pooled.containersOf(one)).length === 1);
    await expect(pooled.exec(two, { argv: ['true'], timeoutMs: 10_000, maxOutputBytes: 100 })).rejects.toThrow(
      'tenant warmcap already has 1 running sandboxes',
    );
    await pooled.release(one);
    await pooled.removeAll();
  });
});

describe('the lease fences every call', () => {
  /** A deadline the host's check passes (its clock is held back for that one reading) and the container's refuses. */
  const passedInTransit = () => {
    const deadline = Date.now() - 1_000;
    const real = Date.now;
    Date.now = () => deadline - 1;
    queueMicrotask(() => (Date.now = real));
    return deadline;
  };

  it.each(['helper', 'exec'] as const)('starts nothing past the deadline, on the host or in the container (%s)', async (execMode) => {
    const port = execMode === 'exec' ? new DockerSandboxes({ ...options, execMode }) : sandboxes;
    const who = owner();
    expect((await port.exec(who, { argv: ['true'], timeoutMs: 10_000, maxOutputBytes: 100 })).exitCode).toBe(0);
    const touch = (name: string, startBy: () => number) =>
      port.exec(who, { argv: ['bash', '-c', `echo x >> ${name}`], timeoutMs: 10_000, maxOutputBytes: 100, startBy });
    // Past it by the runner's clock: refused before anything is sent.
    await expect(touch('host', () => Date.now() - 1)).rejects.toThrow(Fenced);
    // Past it only when the request arrives (the runner froze after its check): refused inside.
    await expect(touch('inside', passedInTransit)).rejects.toThrow(/arrived after|started after/);
    // In time: run.
    expect((await touch('in-time', () => Date.now() + 60_000)).exitCode).toBe(0);
    const files = fs.readdirSync(workspacePath(root, namespace, who));
    expect(files.sort()).toEqual(['in-time']);
    // A fenced call is not a broken sandbox: the same container and helper go on.
    expect((await port.exec(who, { argv: ['cat', 'in-time'], timeoutMs: 10_000, maxOutputBytes: 100 })).stdout).toBe('x\n');
    await port.release(who);
    if (port !== sandboxes) await port.close();
  });

  it('turns a fenced call into no tool result at all (the runner stops), not a tool error for the model', async () => {
    const who = owner();
    const fenced = tools.run(
      { id: 'f', name: 'bash', arguments: JSON.stringify({ command: 'echo x >> never' }) },
      { ...who, turnId: 't', toolCallId: 'f', startBy: () => 0 },
    );
    await expect(fenced).rejects.toThrow(Fenced);
    expect(fs.existsSync(path.join(workspacePath(root, namespace, who), 'never'))).toBe(false);
  });
});

describe('the hostile battery, from inside a sandbox', () => {
  it('has no network but lo, and reaches no host port', async () => {
    expect((await bash(A, 'ls /sys/class/net')).content).toBe('exit code: 0\n--- stdout ---\nlo\n');
    const r = await bash(
      A,
      'for hp in 127.0.0.1/4222 127.0.0.1/5432 172.17.0.1/4222 172.17.0.1/5432; do (echo > /dev/tcp/${hp%/*}/${hp#*/}) 2>/dev/null && echo "open $hp" || echo "closed $hp"; done',
      10,
    );
    expect(r.content).not.toContain('open');
    expect(r.content.match(/closed/g)).toHaveLength(4);
  });

  it('has no Docker socket and no host devices', async () => {
    const r = await bash(A, 'ls -a /var/run/docker.sock /run/docker.sock 2>&1; ls /dev');
    expect(r.content).toMatch(/No such file or directory[\s\S]*No such file or directory/);
    expect(r.content).not.toMatch(/\bsd[a-z]\b|\bvd[a-z]\b|kvm/);
  });

  it('shows none of the runner\'s secrets in the environment or /proc', async () => {
    expect(process.env.CLAWFLEET_TEST_CANARY).toBe(CANARY);
    const r = await bash(A, 'env; cat /proc/1/environ /proc/self/environ | tr "\\0" "\\n"; grep -rls canary- /proc/*/environ /proc/*/cmdline 2>/dev/null; echo done');
    expect(r.content).toContain('done');
    expect(r.content).not.toContain(CANARY);
    expect(r.content).not.toMatch(/MODEL_API_KEY|DATABASE_URL|NATS_URL/);
  });

  it('contains a fork bomb with the pids limit, and the sandbox answers afterwards', async () => {
    const bomb = await bash(A, 'bomb() { bomb | bomb & }; bomb; sleep 3; echo survived', 8);
    expect(bomb.status).toBe('ok');
    expect(bomb.content).toMatch(/timed out|exit code/);
    const [c] = await containers({ [LABEL.session]: A.sessionId });
    const stats = await docker.getContainer(c!.Id).stats({ stream: false });
    expect(stats.pids_stats?.current ?? 0).toBeLessThanOrEqual(64);
    let after = await bash(A, 'echo alive');
    for (let i = 0; i < 50 && !after.content.includes('alive'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await bash(A, 'echo alive');
    }
    expect(after.content).toContain('alive');
  });

  it('OOM-kills a memory bomb inside the sandbox, and nothing else', async () => {
    const r = await bash(A, 'python3 -c "b = bytearray(1024 ** 3)"; echo "exit $?"', 20);
    expect(r.content).toMatch(/exit 137/);
    expect((await bash(A, 'echo alive')).content).toContain('alive');
  });

  it('keeps session A and session B apart', async () => {
    await call(A, 'write_file', { path: 'secret-a.txt', content: 'only A' });
    const seen = await bash(B, 'ls -a /workspace; cat /workspace/secret-a.txt; grep -rs "only A" /workspace /tmp /home /run /mnt');
    expect(seen.content).not.toContain('only A');
    expect(seen.content).toMatch(/No such file/);
    expect((await bash(B, 'find / -xdev -name secret-a.txt 2>/dev/null; find /workspace /tmp -name secret-a.txt')).content).toBe(
      'exit code: 0\n(no output)',
    );
    // On the host, the parent of the workspaces is not listable by the sandbox user.
    expect(fs.statSync(path.dirname(workspacePath(root, namespace, A))).mode & 0o777).toBe(0o711);
  });
});

describe('send_file', () => {
  type Sent = { status: string; content: string; send?: { file: Attachment; caption: string } };
  const send = (args: unknown) => call(A, 'send_file', args) as Promise<Sent>;

  it('reads a workspace file inside the sandbox into an attachment: bytes, size, hash, type, a caption', async () => {
    await bash(A, 'mkdir -p out && printf "a,b\\n1,2\\n" > out/report.csv && head -c 3000 /dev/urandom > out/blob');
    const csv = await send({ path: 'out/report.csv' });
    expect(csv).toMatchObject({ status: 'ok', content: 'sent report.csv (8 bytes, text/csv) to the user' });
    expect(csv.send?.caption).toBe('report.csv (8 bytes, text/csv)');
    const { file } = csv.send!;
    expect(Buffer.from(file.content, 'base64').toString()).toBe('a,b\n1,2\n');
    expect(file).toMatchObject({ name: 'report.csv', mediaType: 'text/csv', size: 8 });
    expect(file.sha256).toBe(createHash('sha256').update('a,b\n1,2\n').digest('hex'));
    const blob = await send({ path: 'out/blob', name: 'data.bin', caption: 'the data' });
    expect(blob.send).toMatchObject({ caption: 'the data', file: { name: 'data.bin', mediaType: 'application/octet-stream', size: 3000 } });
    expect((await send({ path: 'out/blob', mediaType: 'image/png' })).send?.file.mediaType).toBe('image/png');
  });

  it('sanitizes the name: no path parts, no control or reordering characters', async () => {
    await bash(A, 'echo hi > plain.txt');
    const named = async (name: string) => (await send({ path: 'plain.txt', name })).send?.file.name;
    expect(await named('../../etc/passwd')).toBe('passwd');
    expect(await named('dir\\evil.txt')).toBe('evil.txt');
    expect(await named('bad\nname\u0007.txt')).toBe('bad_name_.txt');
    expect(await named('invoice\u202Etxt.exe')).toBe('invoice_txt.exe');
    expect(await named('/')).toBe('file');
  });

  it('refuses what cannot be sent with a clear tool error: too big, a directory, outside, no file, a bad type', async () => {
    await bash(A, 'head -c 600000 /dev/zero > big.bin; mkdir -p adir; ln -sfn /etc/passwd out-link');
    expect((await send({ path: 'big.bin' })).content).toBe('send_file failed: "big.bin" is 600000 bytes; files up to 524288 bytes can be sent');
    expect((await send({ path: 'adir' })).content).toBe('send_file failed: "adir" is a directory; send one file at a time');
    expect((await send({ path: 'out-link' })).content).toBe('send_file failed: the path "out-link" leads outside /workspace through a symbolic link');
    expect((await send({ path: '../../etc/passwd' })).content).toBe('Invalid arguments for send_file: path: the path "../../etc/passwd" is outside /workspace');
    expect((await send({ path: 'nothing.txt' })).content).toBe('send_file failed: no file "nothing.txt"');
    expect((await send({ path: 'plain.txt', mediaType: 'Text/Plain; charset=x' })).content).toMatch(/^Invalid arguments for send_file: mediaType:/);
  });
});

describe('hostile input to the tools', () => {
  it('refuses paths out of the workspace, before and after resolving symbolic links', async () => {
    expect(await call(A, 'read_file', { path: '../../etc/passwd' })).toEqual({
      status: 'error',
      content: 'Invalid arguments for read_file: path: the path "../../etc/passwd" is outside /workspace',
    });
    await bash(A, 'ln -sfn /etc/passwd link-out; ln -sfn / root-link; ln -sfn inside.txt link-in; echo ok > inside.txt');
    expect(await call(A, 'read_file', { path: 'link-out' })).toEqual({
      status: 'error',
      content: 'read_file failed: the path "link-out" leads outside /workspace through a symbolic link',
    });
    expect((await call(A, 'write_file', { path: 'root-link/etc/evil', content: 'x' })).content).toMatch(/symbolic link/);
    expect((await call(A, 'grep', { pattern: 'root', path: 'root-link/etc' })).content).toMatch(/symbolic link/);
    expect((await call(A, 'read_file', { path: 'link-in' })).content).toBe('     1\tok');
  });

  it('refuses control characters in paths and shows names with them escaped', async () => {
    expect((await call(A, 'write_file', { path: 'bad\nname', content: 'x' })).content).toMatch(/control characters/);
    await bash(A, "mkdir -p weird && touch weird/new$'\\n'line");
    expect((await call(A, 'list_files', { path: 'weird' })).content).toBe('new\\nline');
  });

  it('stops a command that prints 100 MB, with a clear error', async () => {
    const r = await bash(A, 'head -c 100000000 /dev/zero | tr "\\0" a', 30);
    expect(r.status).toBe('error');
    expect(r.content).toMatch(/bytes of output and was stopped/);
    expect(r.content.length).toBeLessThan(25_000);
    expect((await bash(A, 'echo alive')).content).toContain('alive');
  });

  it('kills a command at its timeout with its process group', async () => {
    await call(A, 'write_file', { path: 'before-timeout.txt', content: 'kept' });
    const r = await bash(A, 'sleep 60 & sleep 60; echo never', 2);
    expect(r.content).toMatch(/^timed out after 2 s/);
    expect((await bash(A, 'ps -eo args | grep -c "^sleep 60" || true')).content).toMatch(/stdout ---\n0\n/);
    expect((await call(A, 'read_file', { path: 'before-timeout.txt' })).content).toBe('     1\tkept');
  });

  it('answers invalid arguments as a tool error', async () => {
    expect((await call(A, 'bash', {})).content).toMatch(/^Invalid arguments for bash: command:/);
    expect((await call(A, 'read_file', { path: 'x', offset: 0 })).content).toMatch(/offset/);
    const notJson = await tools.run({ id: 'x', name: 'write_file', arguments: '{not json' }, { ...A, turnId: 't', toolCallId: 'x' });
    expect(notJson).toEqual({ status: 'error', content: 'The arguments of write_file are not valid JSON.' });
  });

  it('edits exactly one occurrence, and says when the text is absent or ambiguous', async () => {
    await call(A, 'write_file', { path: 'e.txt', content: 'one two two\n' });
    expect((await call(A, 'edit_file', { path: 'e.txt', oldText: 'three', newText: 'x' })).content).toMatch(/was not found/);
    expect((await call(A, 'edit_file', { path: 'e.txt', oldText: 'two', newText: 'x' })).content).toMatch(/appears 2 times/);
    expect((await call(A, 'edit_file', { path: 'e.txt', oldText: 'one', newText: '1' })).content).toMatch(/replaced 1/);
    expect((await call(A, 'read_file', { path: 'e.txt' })).content).toBe('     1\t1 two two');
    expect((await call(A, 'grep', { pattern: 'two', path: '.' })).content).toMatch(/e\.txt:1:1 two two/);
    expect((await call(A, 'list_files', { pattern: '*.txt' })).content).toMatch(/^e\.txt$/m);
  });
});
