import type { AgentSandbox } from '@clawfleet/provisioning';
import { probeConnections, startNetnsHttpServer, uniqueNamespace, type NetnsHttpServer } from '@clawfleet/testing';
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sandboxTools } from '../tools/sandbox.tools';
import { ToolBox } from '../tools/tool.port';
import { DockerSandboxes, LABEL } from './docker.sandbox';
import { EgressProxy } from './egress/egress-proxy';
import { EGRESS_DIR } from './egress/forwarder';
import type { Resolver } from './egress/target';
import { DEFAULT_POLICY, policyViolations, WORKSPACE } from './policy';
import type { SandboxOwner } from './sandbox.port';
import { workspacePath } from './workspace';

// Real Docker engine, the real sandbox image, and a test host in a network namespace this spec
// creates: the only place egress reaches. Other names map (injected resolver) to addresses the proxy
// must refuse before it opens any socket; nothing is sent off this machine.
const docker = new Docker();
const namespace = uniqueNamespace('egr');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clawfleet-egr-'));
const policy = { ...DEFAULT_POLICY, memoryBytes: 256 * 1024 * 1024, pidsLimit: 64 };
let server: NetnsHttpServer;
let proxy: EgressProxy;
let sandboxes: DockerSandboxes;
let tools: ToolBox;

const names: Record<string, () => string> = {
  'echo.test': () => server.address,
  'other.test': () => server.address,
  'meta.test': () => '169.254.169.254',
  'private.test': () => '10.9.9.9',
  'loop.test': () => '127.0.0.1',
};
const resolver: Resolver = async (host) => {
  const address = names[host]?.();
  if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

const baseOptions = () => ({
  docker,
  image: 'clawfleet-sandbox:latest',
  policy,
  workspaceRoot: root,
  namespace,
  runnerId: 'runner-egress',
  idleMs: 60_000,
  maxPerRunner: 16,
  maxPerTenant: 16,
  runtimesAllowed: ['runc'],
});

const owner = (sandbox?: AgentSandbox, sessionId: string = randomUUID()): SandboxOwner => ({
  tenantId: 't1',
  agentId: 'a1',
  sessionId,
  ...(sandbox && { sandbox }),
});
const withEgress = (allow = ['echo.test', 'meta.test', 'private.test', 'loop.test']): AgentSandbox => ({
  egress: { allow },
  runtime: null,
});

async function bash(who: SandboxOwner, command: string, box = tools) {
  return (await box.run(
    { id: randomUUID(), name: 'bash', arguments: JSON.stringify({ command, timeoutSeconds: 30 }) },
    { tenantId: who.tenantId, sessionId: who.sessionId, agentId: who.agentId, turnId: 't', toolCallId: randomUUID(), ...(who.sandbox && { sandbox: who.sandbox }) },
  )) as { status: string; content: string };
}
const stdout = (r: { content: string }) => r.content.split('--- stdout ---\n')[1]?.split('\n--- stderr ---')[0] ?? '';

const containerOf = async (who: SandboxOwner) => {
  const [c] = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.namespace}=${namespace}`, `${LABEL.session}=${who.sessionId}`] },
  });
  return c && docker.getContainer(c.Id).inspect();
};

beforeAll(async () => {
  server = await startNetnsHttpServer();
  proxy = new EgressProxy({ uid: 1000, gid: 1000, resolver, allowPrivate: [`${server.address}/32`] });
  sandboxes = new DockerSandboxes({ ...baseOptions(), egress: proxy });
  tools = new ToolBox(sandboxTools(sandboxes, { bashMaxTimeoutMs: 60_000, maxOutputBytes: 16_384 }));
});
afterAll(async () => {
  await sandboxes?.removeAll();
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL.namespace}=${namespace}`] } });
  await server?.close();
  fs.rmSync(root, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe("an agent's tightened sandbox", () => {
  it('makes containers with its lower limits and runtime, checked against that effective policy', async () => {
    const who = owner({ memoryMb: 128, cpus: 0.5, pidsLimit: 48, runtime: 'runc', egress: null });
    expect(stdout(await bash(who, 'echo tight'))).toBe('tight\n');
    const info = (await containerOf(who))!;
    expect(info.HostConfig).toMatchObject({
      Memory: 128 * 1024 * 1024,
      MemorySwap: 128 * 1024 * 1024,
      NanoCpus: 0.5e9,
      PidsLimit: 48,
      Runtime: 'runc',
      NetworkMode: 'none',
    });
    const effective = sandboxes.policyOf(who).policy;
    expect(policyViolations(effective, info, workspacePath(root, namespace, who))).toEqual([]);
    // The runner's own policy is not what this container is: it would be refused under it.
    expect(policyViolations(policy, info, workspacePath(root, namespace, who)).join()).toMatch(/memory is 134217728, not 268435456/);
    await sandboxes.release(who);
  });

  it('clamps a value that would loosen the runner\'s, where the container is made', async () => {
    const who = owner({ memoryMb: 4_096, cpus: 8, pidsLimit: 100_000, egress: null, runtime: null });
    expect((await bash(who, 'true')).status).toBe('ok');
    expect((await containerOf(who))!.HostConfig).toMatchObject({ Memory: policy.memoryBytes, NanoCpus: 1e9, PidsLimit: 64 });
    await sandboxes.release(who);
  });

  it('refuses a runtime the operator does not allow, and starts nothing', async () => {
    const who = owner({ runtime: 'runsc', egress: null });
    expect(await bash(who, 'echo never')).toEqual({
      status: 'error',
      content:
        'bash failed: this agent\'s sandbox runtime "runsc" is not one the operator allows (SANDBOX_RUNTIMES_ALLOWED: runc); no sandbox was started',
    });
    expect(await containerOf(who)).toBeUndefined();
  });

  it('replaces a session\'s container when its agent\'s sandbox changes, keeping the workspace', async () => {
    const sessionId = randomUUID();
    const before = owner(undefined, sessionId);
    await bash(before, 'echo kept > kept.txt');
    const first = (await containerOf(before))!;
    const after = owner({ pidsLimit: 40, egress: null, runtime: null }, sessionId);
    expect(stdout(await bash(after, 'cat kept.txt'))).toBe('kept\n');
    const second = (await containerOf(after))!;
    expect(second.Id).not.toBe(first.Id);
    expect(second.HostConfig.PidsLimit).toBe(40);
    // A second runner adopting it under the same policy keeps it.
    const other = new DockerSandboxes({ ...baseOptions(), runnerId: 'runner-other', egress: proxy });
    expect((await other.exec(after, { argv: ['cat', 'kept.txt'], timeoutMs: 10_000, maxOutputBytes: 100 })).stdout).toBe('kept\n');
    expect((await containerOf(after))!.Id).toBe(second.Id);
    await other.close();
    await sandboxes.release(after);
  });
});

describe('a warm container and an agent sandbox', () => {
  it('goes to a session with the runner\'s own policy only, and is removed when the session\'s policy changes', async () => {
    const pooled = new DockerSandboxes({ ...baseOptions(), runnerId: 'runner-egress-pool', warmPool: 1 });
    await pooled.warmUp();
    const [warm] = await docker.listContainers({ filters: { label: [`${LABEL.namespace}=${namespace}`, `${LABEL.runner}=runner-egress-pool`] } });
    const poolId = warm!.Labels[LABEL.pool];
    expect(poolId).toBeDefined();
    // An agent with its own limits does not take it.
    const tightOwner = owner({ pidsLimit: 40, egress: null, runtime: null });
    await pooled.exec(tightOwner, { argv: ['true'], timeoutMs: 10_000, maxOutputBytes: 100 });
    expect((await containerOf(tightOwner))!.HostConfig.PidsLimit).toBe(40);
    expect((await docker.getContainer(warm!.Id).inspect()).State.Running).toBe(true);
    // A session with the runner's own policy does; when its agent's sandbox changes, the claimed container goes.
    const sessionId = randomUUID();
    await pooled.exec(owner(undefined, sessionId), { argv: ['bash', '-c', 'echo warm > warm.txt'], timeoutMs: 10_000, maxOutputBytes: 100 });
    expect(await containerOf(owner(undefined, sessionId))).toBeUndefined(); // a claimed container has no session label
    const changed = owner({ memoryMb: 128, egress: null, runtime: null }, sessionId);
    expect((await pooled.exec(changed, { argv: ['cat', 'warm.txt'], timeoutMs: 10_000, maxOutputBytes: 100 })).stdout).toBe('warm\n');
    expect((await containerOf(changed))!.HostConfig.Memory).toBe(128 * 1024 * 1024);
    await expect(docker.getContainer(warm!.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await pooled.release(changed);
    await pooled.release(tightOwner);
    await pooled.removeAll();
  });
});

describe('egress from inside a real container', () => {
  const who = owner(withEgress());

  it('keeps only lo and reaches an allow-listed host through the proxy, and nothing else', async () => {
    const probe = probeConnections();
    try {
      expect(stdout(await bash(who, 'ls /sys/class/net'))).toBe('lo\n');
      // Plain http through the proxy, and the same through a CONNECT tunnel.
      expect(stdout(await bash(who, 'curl -sS http://echo.test/hello'))).toBe('hello from the test host\n');
      expect(stdout(await bash(who, 'curl -sS --proxytunnel http://echo.test/hello'))).toBe('hello from the test host\n');
      const connected = probe.attempts.length;
      expect(probe.attempts).toEqual([`${server.address}:80`, `${server.address}:80`]);

      // Everything else is refused with the reason, before the proxy opens any socket.
      const refusals: [string, RegExp][] = [
        ['curl -sS http://other.test/hello', /clawfleet egress refused: other.test:80 is not on this agent's egress allow-list/],
        ['curl -sS http://meta.test/latest/meta-data/', /meta.test resolves to 169.254.169.254, a cloud metadata address/],
        ['curl -sS http://private.test/', /private.test resolves to 10.9.9.9, a private address/],
        ['curl -sS http://loop.test:80/', /loop.test resolves to 127.0.0.1, a loopback address/],
        ['curl -sS http://169.254.169.254/latest/meta-data/', /169.254.169.254 is a cloud metadata address/],
        [`curl -sS http://${server.address}/hello`, /is an IP address: egress is by host name/],
        ['curl -sS --proxytunnel https://meta.test/ 2>&1; curl -sS -p -v https://meta.test/ 2>&1 | grep -i "< HTTP"', /CONNECT tunnel failed, response 403[\s\S]*< HTTP\/1.1 403 Forbidden/],
        ['curl -sS http://echo.test:8080/', /echo.test:8080 is not on this agent's egress allow-list/],
      ];
      for (const [command, reason] of refusals) expect((await bash(who, command)).content).toMatch(reason);
      // Around the proxy: no route, no name service.
      const direct = await bash(who, `curl -sS -m 5 --noproxy '*' http://${server.address}/hello; echo "exit $?"`);
      expect(direct.content).toMatch(/exit (7|28)/);
      expect(direct.content).not.toMatch(/hello from the test host/);
      expect(probe.attempts.length).toBe(connected);
    } finally {
      probe.stop();
    }
    expect(server.requests.filter((p) => p === '/hello')).toHaveLength(2);
  });

  it('has the proxy socket mounted read-only, the network mode none, and no secret in its environment', async () => {
    const info = (await containerOf(who))!;
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.Mounts.map((m) => [m.Destination, m.RW]).sort()).toEqual([
      [EGRESS_DIR, false],
      [WORKSPACE, true],
    ]);
    const env = stdout(await bash(who, 'env | sort; ls -l /run/clawfleet-egress; touch /run/clawfleet-egress/x 2>&1 || true'));
    expect(env).toMatch(/^HTTP_PROXY=http:\/\/127.0.0.1:3128$/m);
    expect(env).not.toMatch(/KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL|NATS_URL/);
    expect(env).toMatch(/Read-only file system/);
    // What the test host received carries nothing but the sandbox's own request.
    const headers = JSON.parse(stdout(await bash(who, 'curl -sS -H "Proxy-Authorization: Basic Zm9vOmJhcg==" http://echo.test/headers'))) as Record<string, string>;
    // The proxy's own credential header never passes (a hop-by-hop header); the proxy adds none.
    expect(Object.keys(headers).sort()).toEqual(['accept', 'connection', 'host', 'user-agent']);
  });

  it('follows a new allow-list of the agent without a new container', async () => {
    const first = (await containerOf(who))!.Id;
    const narrowed = owner(withEgress(['other.test']), who.sessionId);
    expect((await bash(narrowed, 'curl -sS http://echo.test/hello')).content).toMatch(/echo.test:80 is not on this agent's egress allow-list \(other.test\)/);
    expect(stdout(await bash(narrowed, 'curl -sS http://other.test/hello'))).toBe('hello from the test host\n');
    expect((await containerOf(narrowed))!.Id).toBe(first);
  });

  it('comes back after a command kills the forwarder (the container restarts with it)', async () => {
    await bash(who, 'pkill -KILL -f "^node -e.*3128" ; sleep 5');
    let back = await bash(who, 'curl -sS http://echo.test/hello');
    for (let i = 0; i < 20 && !back.content.includes('hello from'); i++) back = await bash(who, 'curl -sS http://echo.test/hello');
    expect(stdout(back)).toBe('hello from the test host\n');
    await sandboxes.release(who);
    expect(fs.existsSync(path.join(root, '_egress'))).toBe(true);
    expect(fs.readdirSync(path.join(root, '_egress'))).toEqual([]);
  });
});

describe('without egress', () => {
  it('has only lo and no proxy: an allow-listed name is unreachable when the runner has egress off', async () => {
    const off = new DockerSandboxes({ ...baseOptions(), runnerId: 'runner-off' });
    const offTools = new ToolBox(sandboxTools(off, { bashMaxTimeoutMs: 60_000, maxOutputBytes: 16_384 }));
    const who = owner(withEgress());
    const probe = probeConnections();
    try {
      expect(stdout(await bash(who, 'ls /sys/class/net', offTools))).toBe('lo\n');
      const r = await bash(who, 'env | grep -ci proxy; curl -sS -m 5 http://echo.test/hello; curl -sS -m 5 -x http://127.0.0.1:3128 http://echo.test/hello; echo "exit $?"', offTools);
      expect(r.content).toMatch(/^0$/m);
      expect(r.content).toMatch(/Could not resolve host: echo.test/);
      expect(r.content).toMatch(/Failed to connect to 127.0.0.1 port 3128|Couldn't connect to server/);
      expect((await containerOf(who))!.Mounts.map((m) => m.Destination)).toEqual([WORKSPACE]);
      expect(probe.attempts).toEqual([]);
    } finally {
      probe.stop();
    }
    await off.release(who);
    await off.close();
  });

  it('gives an agent without an allow-list no egress on a runner that has it', async () => {
    const who = owner();
    const r = await bash(who, 'ls /sys/class/net; env | grep -ci proxy; curl -sS -m 5 -x http://127.0.0.1:3128 http://echo.test/hello; echo "exit $?"');
    expect(stdout(r)).toMatch(/^lo\n0\n/);
    expect(r.content).toMatch(/exit 7/);
    expect((await containerOf(who))!.Mounts.map((m) => m.Destination)).toEqual([WORKSPACE]);
    await sandboxes.release(who);
  });
});
