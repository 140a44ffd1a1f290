import type { ContainerCreateOptions, ContainerInspectInfo } from 'dockerode';
import { createHash } from 'node:crypto';
import { EGRESS_DIR, EGRESS_ENV, EGRESS_FORWARDER, EGRESS_PORT, EGRESS_SOCKET } from './egress/forwarder';

/**
 * What a session's container may be. Pure: the create options are made from it, and a container the
 * runner creates or adopts is inspected and checked against it before any tool runs there.
 */
export interface SandboxPolicy {
  /** Bytes of memory; swap is never added (MemorySwap == Memory). */
  readonly memoryBytes: number;
  /** CPUs, e.g. 1 or 0.5. */
  readonly cpus: number;
  /** Processes and threads in the container (bounds a fork bomb). */
  readonly pidsLimit: number;
  /** Size of the tmpfs at /tmp, in bytes. */
  readonly tmpBytes: number;
  /** An OCI runtime such as `runsc`; empty: the engine's default (runc). */
  readonly runtime: string;
  /** uid:gid the container and every exec run as; never 0. */
  readonly user: string;
  /**
   * The one hole: the session's egress proxy socket mounted read-only at EGRESS_DIR, a forwarder on
   * 127.0.0.1 and HTTP(S)_PROXY for the tools. The network mode stays `none` either way.
   */
  readonly egress: boolean;
}

export const WORKSPACE = '/workspace';

export const DEFAULT_POLICY: SandboxPolicy = {
  memoryBytes: 512 * 1024 * 1024,
  cpus: 1,
  pidsLimit: 256,
  tmpBytes: 64 * 1024 * 1024,
  runtime: '',
  user: '1000:1000',
  egress: false,
};

/**
 * An agent's policy may only tighten the defaults: smaller limits, a sandboxing runtime (the caller
 * checks it against the operator's allow-list). Egress is never opened here: it is the one named
 * hole, opened by the caller when the agent's allow-list and the operator allow it.
 */
export function tighten(base: SandboxPolicy, wanted: Partial<SandboxPolicy>): SandboxPolicy {
  return {
    memoryBytes: Math.min(base.memoryBytes, wanted.memoryBytes ?? Infinity),
    cpus: Math.min(base.cpus, wanted.cpus ?? Infinity),
    pidsLimit: Math.min(base.pidsLimit, wanted.pidsLimit ?? Infinity),
    tmpBytes: Math.min(base.tmpBytes, wanted.tmpBytes ?? Infinity),
    runtime: wanted.runtime || base.runtime,
    user: base.user,
    egress: base.egress,
  };
}

/**
 * A short digest of what a container is made with under this policy (its label `clawfleet.policy`):
 * a session's container made under another policy (its agent's sandbox changed) is replaced, not refused.
 */
export function policyDigest(policy: SandboxPolicy): string {
  const { memoryBytes, cpus, pidsLimit, tmpBytes, runtime, user, egress } = policy;
  return createHash('sha256')
    .update(JSON.stringify([memoryBytes, cpus, pidsLimit, tmpBytes, runtime, user, egress]))
    .digest('hex')
    .slice(0, 16);
}

export interface ContainerPlan {
  readonly name: string;
  readonly image: string;
  readonly labels: Record<string, string>;
  /** The session's workspace directory on the engine's host, mounted read-write at /workspace. */
  readonly workspaceSource: string;
  /** With egress: the directory of the session's proxy socket on the engine's host, mounted read-only. */
  readonly egressSource?: string;
}

const TMPFS_FLAGS = 'rw,nosuid,nodev,noexec';

/** The engine's create options of a session container under this policy. */
export function containerOptions(policy: SandboxPolicy, plan: ContainerPlan): ContainerCreateOptions {
  const egress = policy.egress && plan.egressSource !== undefined;
  return {
    name: plan.name,
    Image: plan.image,
    // PID 1 only waits (or, with egress, forwards 127.0.0.1:EGRESS_PORT to the proxy): every tool runs as its own exec.
    Cmd: egress ? ['node', '-e', EGRESS_FORWARDER, String(EGRESS_PORT), `${EGRESS_DIR}/${EGRESS_SOCKET}`] : ['sleep', 'infinity'],
    User: policy.user,
    WorkingDir: WORKSPACE,
    Env: ['HOME=/tmp', 'PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', ...(egress ? EGRESS_ENV : [])],
    Labels: plan.labels,
    NetworkDisabled: true,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': `${TMPFS_FLAGS},size=${policy.tmpBytes}` },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      Memory: policy.memoryBytes,
      MemorySwap: policy.memoryBytes,
      NanoCpus: Math.round(policy.cpus * 1e9),
      PidsLimit: policy.pidsLimit,
      IpcMode: 'private',
      Init: true,
      Mounts: [
        { Type: 'bind', Source: plan.workspaceSource, Target: WORKSPACE, ReadOnly: false },
        ...(egress ? [{ Type: 'bind' as const, Source: plan.egressSource!, Target: EGRESS_DIR, ReadOnly: true }] : []),
      ],
      RestartPolicy: { Name: 'no' },
      ...(policy.runtime && { Runtime: policy.runtime }),
    },
  };
}

const HOST_NAMESPACE = /^host$|^container:/;

/**
 * What is wrong with an inspected container under this policy; empty when it conforms. Checked on
 * every container created or adopted, so a container changed behind the runner's back is refused.
 */
export function policyViolations(
  policy: SandboxPolicy,
  info: ContainerInspectInfo,
  workspaceSource: string,
  egressSource?: string,
): string[] {
  const h = info.HostConfig;
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => ok || problems.push(problem);
  check(h.NetworkMode === 'none', `network mode is "${h.NetworkMode}", not "none"`);
  check(h.ReadonlyRootfs === true, 'the root filesystem is writable');
  check(typeof h.Tmpfs?.['/tmp'] === 'string', 'no tmpfs at /tmp');
  check(Array.isArray(h.CapDrop) && h.CapDrop.some((c: string) => /^(CAP_)?ALL$/i.test(c)), 'capabilities are not all dropped');
  check(!h.CapAdd || (h.CapAdd as string[]).length === 0, 'capabilities are added');
  check(
    Array.isArray(h.SecurityOpt) && h.SecurityOpt.some((o: string) => /^no-new-privileges(:true|=true)?$/.test(o)),
    'no-new-privileges is not set',
  );
  check(
    !(h.SecurityOpt ?? []).some((o: string) => /^(seccomp|apparmor)[:=]unconfined$/.test(o)),
    'seccomp or AppArmor is unconfined',
  );
  const user = info.Config.User ?? '';
  check(user !== '' && !/^(0|root)(:|$)/.test(user), `runs as user "${user || 'root'}"`);
  check(h.Privileged !== true, 'privileged');
  check(h.Memory === policy.memoryBytes, `memory is ${h.Memory}, not ${policy.memoryBytes}`);
  check(h.MemorySwap === h.Memory, 'swap is allowed (MemorySwap != Memory)');
  check(h.NanoCpus === Math.round(policy.cpus * 1e9), `CPU limit is ${h.NanoCpus} nanocpus`);
  check(h.PidsLimit === policy.pidsLimit, `pids limit is ${h.PidsLimit}, not ${policy.pidsLimit}`);
  for (const [what, mode] of [
    ['PID', h.PidMode],
    ['IPC', h.IpcMode],
    ['UTS', h.UTSMode],
    ['user', h.UsernsMode],
  ] as const) {
    check(!HOST_NAMESPACE.test(mode ?? ''), `shares the ${what} namespace ("${mode}")`);
  }
  check((h.Devices ?? []).length === 0, 'host devices are mapped');
  check(!policy.runtime || h.Runtime === policy.runtime, `runtime is "${h.Runtime}", not "${policy.runtime}"`);
  const mounts = info.Mounts ?? [];
  // With egress, the session's own proxy directory, read-only, is the one mount besides the workspace.
  const isEgress = (m: (typeof mounts)[number]) =>
    policy.egress && egressSource !== undefined && m.Source === egressSource && m.Destination === EGRESS_DIR && !m.RW;
  const allowed = (m: (typeof mounts)[number]) =>
    m.Type === 'tmpfs' || (m.Source === workspaceSource && m.Destination === WORKSPACE) || isEgress(m);
  check(
    mounts.every(allowed),
    `mounts other than the workspace${policy.egress ? ' and its egress socket' : ''}: ${mounts
      .filter((m) => !allowed(m))
      .map((m) => `${m.Source ?? m.Name} -> ${m.Destination}${m.RW ? '' : ' (ro)'}`)
      .join(', ')}`,
  );
  check((h.Binds ?? []).length === 0, `bind mounts: ${(h.Binds ?? []).join(', ')}`);
  check(
    mounts.some((m) => m.Source === workspaceSource && m.Destination === WORKSPACE && m.RW),
    'the workspace is not mounted read-write at /workspace',
  );
  return problems;
}
