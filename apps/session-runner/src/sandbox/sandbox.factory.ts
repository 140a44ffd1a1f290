import Docker from 'dockerode';
import { DockerSandboxes } from './docker.sandbox';
import { EgressProxy } from './egress/egress-proxy';
import { DEFAULT_POLICY } from './policy';
import type { SandboxConfig } from './sandbox.config';

const [UID, GID] = DEFAULT_POLICY.user.split(':').map(Number) as [number, number];

/** The egress proxy of this runner's sandboxes, unless the operator turned egress off. */
export function egressFromConfig(
  config: SandboxConfig,
  log?: (message: string, fields?: Record<string, unknown>) => void,
): EgressProxy | undefined {
  if (config.SANDBOX_EGRESS === 'off') return undefined;
  return new EgressProxy({ uid: UID, gid: GID, allowPrivate: config.SANDBOX_EGRESS_ALLOW_PRIVATE, log });
}

/** The Docker sandboxes of a runner, from its configuration (the engine from DOCKER_HOST or the local socket). */
export function sandboxesFromConfig(
  config: SandboxConfig & { BUS_NAMESPACE: string },
  log?: (message: string, fields?: Record<string, unknown>) => void,
  egress: EgressProxy | undefined = egressFromConfig(config, log),
): DockerSandboxes {
  return new DockerSandboxes({
    docker: new Docker(),
    image: config.SANDBOX_IMAGE,
    policy: {
      ...DEFAULT_POLICY,
      memoryBytes: config.SANDBOX_MEMORY_MB * 1024 * 1024,
      cpus: config.SANDBOX_CPUS,
      pidsLimit: config.SANDBOX_PIDS_LIMIT,
      runtime: config.SANDBOX_RUNTIME,
    },
    workspaceRoot: config.SANDBOX_WORKSPACE_ROOT,
    namespace: config.BUS_NAMESPACE,
    runnerId: config.SANDBOX_RUNNER_ID,
    idleMs: config.SANDBOX_IDLE_MS,
    maxPerRunner: config.SANDBOX_MAX_PER_RUNNER,
    maxPerTenant: config.SANDBOX_MAX_PER_TENANT,
    execMode: config.SANDBOX_EXEC,
    warmPool: config.SANDBOX_WARM_POOL,
    runtimesAllowed: config.SANDBOX_RUNTIMES_ALLOWED,
    egress,
    log,
  });
}
