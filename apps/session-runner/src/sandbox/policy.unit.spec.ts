import type { ContainerInspectInfo } from 'dockerode';
import { containerOptions, DEFAULT_POLICY, policyViolations, tighten, WORKSPACE } from './policy';

const WS = '/srv/ws/t1/s1';
const plan = { name: 'c', image: 'img', labels: { a: 'b' }, workspaceSource: WS };

/** What the engine reports for a container made from these options (the fields the policy reads). */
function inspected(policy = DEFAULT_POLICY): ContainerInspectInfo {
  const options = containerOptions(policy, plan);
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
  });
});
