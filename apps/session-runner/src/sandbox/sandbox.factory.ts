import Docker from 'dockerode';
import { DockerSandboxes } from './docker.sandbox';
import { DEFAULT_POLICY } from './policy';
import type { SandboxConfig } from './sandbox.config';

/** The Docker sandboxes of a runner, from its configuration (the engine from DOCKER_HOST or the local socket). */
export function sandboxesFromConfig(
  config: SandboxConfig & { BUS_NAMESPACE: string },
  log?: (message: string, fields?: Record<string, unknown>) => void,
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
    log,
  });
}
