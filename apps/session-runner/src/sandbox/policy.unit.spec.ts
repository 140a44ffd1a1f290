import type { ContainerInspectInfo } from 'dockerode';
import { EGRESS_DIR } from './egress/forwarder';
import { containerOptions, DEFAULT_POLICY, policyDigest, policyViolations, tighten, WORKSPACE, type SandboxPolicy } from './policy';

const WS = '/srv/ws/t1/s1';
const EGRESS = '/srv/ws/_egress/abc';
const plan = { name: 'c', image: 'img', labels: { a: 'b' }, workspaceSource: WS };

/** What the engine reports for a container made from these options (the fields the policy reads). */
function inspected(policy = DEFAULT_POLICY, egressSource?: string): ContainerInspectInfo {
  const options = containerOptions(policy, { ...plan, egressSource });
  const host = options.HostConfig!;
  return {
    Config: { User: options.User },
    HostConfig: { ...host, Mounts: undefined, Binds: null, CapAdd: null, Devices: [], PidMode: '', UTSMode: '', UsernsMode: '' },
    Mounts: (host.Mounts ?? []).map((m) => ({ Type: m.Type, Source: m.Source, Destination: m.Target, RW: !m.ReadOnly })),
  } as unknown as ContainerInspectInfo;
}

type Info = ReturnType<typeof inspected> & { HostConfig: Record<string, unknown>; Config: Record<string, unknown> };

describe('the sandbox policy', () => {
  it('accepts a container made from its own create options', () => {
    expect(policyViolations(DEFAULT_POLICY, inspected(), WS)).toEqual([]);
  });

  it('makes containers with every hardening flag set', () => {
    const o = containerOptions(DEFAULT_POLICY, plan);
    expect(o.NetworkDisabled).toBe(true);
    expect(o.User).toBe('1000:1000');
    expect(o.HostConfig).toMatchObject({
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      Memory: DEFAULT_POLICY.memoryBytes,
      MemorySwap: DEFAULT_POLICY.memoryBytes,
      NanoCpus: 1e9,
      PidsLimit: DEFAULT_POLICY.pidsLimit,
      Mounts: [{ Type: 'bind', Source: WS, Target: WORKSPACE, ReadOnly: false }],
    });
    expect(o.HostConfig?.Tmpfs?.['/tmp']).toMatch(/size=/);
  });

  // One case per flag: a container that lacks it is refused, with a reason that names it.
  const cases: [string, (i: Info) => void, RegExp][] = [
    ['a network', (i) => (i.HostConfig.NetworkMode = 'bridge'), /network mode/],
    ['the host network', (i) => (i.HostConfig.NetworkMode = 'host'), /network mode/],
    ['a writable root filesystem', (i) => (i.HostConfig.ReadonlyRootfs = false), /root filesystem/],
    ['no tmpfs at /tmp', (i) => (i.HostConfig.Tmpfs = {}), /tmpfs/],
    ['capabilities kept', (i) => (i.HostConfig.CapDrop = []), /capabilities are not all dropped/],
    ['capabilities added', (i) => (i.HostConfig.CapAdd = ['SYS_ADMIN']), /capabilities are added/],
    ['no no-new-privileges', (i) => (i.HostConfig.SecurityOpt = []), /no-new-privileges/],
    ['seccomp unconfined', (i) => (i.HostConfig.SecurityOpt = ['no-new-privileges', 'seccomp=unconfined']), /seccomp/],
    ['the root user', (i) => (i.Config.User = '0:0'), /user/],
    ['no user at all', (i) => (i.Config.User = ''), /user/],
    ['privileged mode', (i) => (i.HostConfig.Privileged = true), /privileged/],
    ['another memory limit', (i) => (i.HostConfig.Memory = 0), /memory is/],
    ['swap', (i) => (i.HostConfig.MemorySwap = -1), /swap/],
    ['no CPU limit', (i) => (i.HostConfig.NanoCpus = 0), /CPU/],
    ['no pids limit', (i) => (i.HostConfig.PidsLimit = 0), /pids/],
    ['the host PID namespace', (i) => (i.HostConfig.PidMode = 'host'), /PID namespace/],
    ['the host IPC namespace', (i) => (i.HostConfig.IpcMode = 'host'), /IPC namespace/],
    ['the host UTS namespace', (i) => (i.HostConfig.UTSMode = 'host'), /UTS namespace/],
    ['the host user namespace', (i) => (i.HostConfig.UsernsMode = 'host'), /user namespace/],
    ['a host device', (i) => (i.HostConfig.Devices = [{ PathOnHost: '/dev/kvm' }]), /devices/],
    [
      'the Docker socket mounted',
      (i) => i.Mounts.push({ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', RW: true } as never),
      /docker\.sock/,
    ],
    ['a bind of the host', (i) => (i.HostConfig.Binds = ['/:/host']), /bind mounts/],
    ['another session\'s workspace', (i) => ((i.Mounts[0] as { Source: string }).Source = '/srv/ws/t1/s2'), /workspace/],
    ['a read-only workspace', (i) => ((i.Mounts[0] as { RW: boolean }).RW = false), /read-write/],
  ];

  it.each(cases)('refuses a container with %s', (_what, breakIt, reason) => {
    const info = inspected() as Info;
    breakIt(info);
    const problems = policyViolations(DEFAULT_POLICY, info, WS);
    expect(problems.join('; ')).toMatch(reason);
  });

  it('refuses a container without the runtime the policy names', () => {
    const policy = { ...DEFAULT_POLICY, runtime: 'runsc' };
    const info = inspected(policy) as Info;
    expect(policyViolations(policy, info, WS)).toEqual([]);
    info.HostConfig.Runtime = 'runc';
    expect(policyViolations(policy, info, WS).join()).toMatch(/runtime/);
  });

  it('lets an agent only tighten the limits', () => {
    const t = tighten(DEFAULT_POLICY, { memoryBytes: 1e12, cpus: 0.5, pidsLimit: 10_000, runtime: 'runsc' });
    expect(t).toMatchObject({ memoryBytes: DEFAULT_POLICY.memoryBytes, cpus: 0.5, pidsLimit: DEFAULT_POLICY.pidsLimit, runtime: 'runsc' });
    expect(t.user).toBe(DEFAULT_POLICY.user);
    // Neither the user nor egress can be wished for: egress is opened apart, by name.
    expect(tighten(DEFAULT_POLICY, { user: '0:0', egress: true } as Partial<SandboxPolicy>)).toMatchObject({ user: '1000:1000', egress: false });
  });
});

describe('a tightened policy', () => {
  const tight = tighten(DEFAULT_POLICY, { memoryBytes: 64 * 1024 * 1024, cpus: 0.25, pidsLimit: 32 });

  it('makes containers with its lower limits, and checks them', () => {
    expect(containerOptions(tight, plan).HostConfig).toMatchObject({
      Memory: 64 * 1024 * 1024,
      MemorySwap: 64 * 1024 * 1024,
      NanoCpus: 0.25e9,
      PidsLimit: 32,
    });
    expect(policyViolations(tight, inspected(tight), WS)).toEqual([]);
  });

  it.each([
    ['the default memory', { Memory: DEFAULT_POLICY.memoryBytes, MemorySwap: DEFAULT_POLICY.memoryBytes }, /memory is 536870912, not 67108864/],
    ['the default CPUs', { NanoCpus: 1e9 }, /CPU limit is 1000000000/],
    ['the default pids limit', { PidsLimit: 256 }, /pids limit is 256, not 32/],
  ])('refuses a container made with %s', (_what, loose, reason) => {
    const info = inspected(tight) as Info;
    Object.assign(info.HostConfig, loose);
    expect(policyViolations(tight, info, WS).join('; ')).toMatch(reason);
  });

  it('has a digest of its own, so a container of the old policy is replaced', () => {
    expect(policyDigest(tight)).not.toBe(policyDigest(DEFAULT_POLICY));
    expect(policyDigest({ ...DEFAULT_POLICY })).toBe(policyDigest(DEFAULT_POLICY));
    expect(policyDigest({ ...DEFAULT_POLICY, egress: true })).not.toBe(policyDigest(DEFAULT_POLICY));
  });
});

describe('a policy with egress', () => {
  const open = { ...DEFAULT_POLICY, egress: true };

  it('keeps the network mode none, and mounts only the session\'s proxy socket directory, read-only', () => {
    const o = containerOptions(open, { ...plan, egressSource: EGRESS });
    expect(o.HostConfig).toMatchObject({ NetworkMode: 'none' });
    expect(o.NetworkDisabled).toBe(true);
    expect(o.HostConfig!.Mounts).toEqual([
      { Type: 'bind', Source: WS, Target: WORKSPACE, ReadOnly: false },
      { Type: 'bind', Source: EGRESS, Target: EGRESS_DIR, ReadOnly: true },
    ]);
    expect(o.Env).toEqual(expect.arrayContaining(['HTTP_PROXY=http://127.0.0.1:3128', 'HTTPS_PROXY=http://127.0.0.1:3128']));
    expect(o.Cmd?.[0]).toBe('node');
    // Nothing that looks like a secret rides along.
    expect(JSON.stringify(o.Env)).not.toMatch(/KEY|TOKEN|PASSWORD|SECRET|@/i);
    expect(policyViolations(open, inspected(open, EGRESS), WS, EGRESS)).toEqual([]);
  });

  it('refuses an egress mount that is writable, another directory, or present without egress', () => {
    const writable = inspected(open, EGRESS) as Info;
    (writable.Mounts[1] as { RW: boolean }).RW = true;
    expect(policyViolations(open, writable, WS, EGRESS).join()).toMatch(/mounts other than the workspace and its egress socket/);
    expect(policyViolations(open, inspected(open, '/srv/ws/_egress/other'), WS, EGRESS).join()).toMatch(/_egress\/other/);
    expect(policyViolations(DEFAULT_POLICY, inspected(open, EGRESS), WS).join()).toMatch(/mounts other than the workspace: .*_egress\/abc/);
    const bridged = inspected(open, EGRESS) as Info;
    bridged.HostConfig.NetworkMode = 'bridge';
    expect(policyViolations(open, bridged, WS, EGRESS).join()).toMatch(/network mode/);
  });

  it('makes no egress mount without the policy, whatever the plan says', () => {
    const o = containerOptions(DEFAULT_POLICY, { ...plan, egressSource: EGRESS });
    expect(o.HostConfig!.Mounts).toHaveLength(1);
    expect(o.Env!.join()).not.toMatch(/PROXY/);
  });
});
