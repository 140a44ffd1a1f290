import { MAX_ATTACHMENT_BYTES } from '@clawfleet/contracts';
import type { SandboxCeiling } from '@clawfleet/provisioning';
import { hostname } from 'node:os';
import { z } from 'zod';
import { privateOverrideProblem } from './egress/addresses';

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** What configures the sandboxes (config.ts spreads it in). The engine itself: DOCKER_HOST, else the local socket. */
export const SandboxConfig = z.object({
  /** The image of every session's container: scripts/sandbox-image.mjs or deploy/sandbox/Dockerfile. */
  SANDBOX_IMAGE: z.string().min(1).default('clawfleet-sandbox:latest'),
  /** Directory on the engine's host holding one workspace per session (mounted at /workspace). */
  SANDBOX_WORKSPACE_ROOT: z.string().startsWith('/', 'must be an absolute path').default('/var/lib/clawfleet/workspaces'),
  /** A stable name of this runner (its pod name): it stops what an earlier run of it left running. */
  SANDBOX_RUNNER_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/)
    .default(hostname().slice(0, 63) || 'runner'),
  /** A container unused this long is stopped; stopped this long, removed (its workspace stays). */
  SANDBOX_IDLE_MS: z.coerce.number().int().min(1_000).default(300_000),
  /** Pre-started containers per runner that make a new session's first tool call fast. */
  SANDBOX_WARM_POOL: z.coerce.number().int().min(0).max(32).default(0),
  SANDBOX_MAX_PER_RUNNER: z.coerce.number().int().min(1).default(64),
  /** Running sandboxes of one tenant on the engine. */
  SANDBOX_MAX_PER_TENANT: z.coerce.number().int().min(1).default(16),
  SANDBOX_MEMORY_MB: z.coerce.number().int().min(16).default(512),
  SANDBOX_CPUS: z.coerce.number().min(0.05).max(64).default(1),
  SANDBOX_PIDS_LIMIT: z.coerce.number().int().min(8).default(256),
  /** An OCI runtime for the containers, e.g. `runsc` (gVisor); empty: the engine's default. */
  SANDBOX_RUNTIME: z.string().regex(/^[A-Za-z0-9_.-]*$/).default(''),
  /** How calls run: `helper` (one long-lived process per container, spoken to over stdio) or `exec` (a docker exec per call). */
  SANDBOX_EXEC: z.enum(['helper', 'exec']).default('helper'),
  /** Longest a `bash` call may run. */
  SANDBOX_BASH_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(300_000),
  /** Bytes of a command's stdout (and of its stderr) shown to the model. */
  SANDBOX_MAX_OUTPUT_BYTES: z.coerce.number().int().min(1_024).default(16_384),
  /** Runtimes an agent's `sandbox.runtime` may name (e.g. `runsc`), comma-separated; empty: none. */
  SANDBOX_RUNTIMES_ALLOWED: z
    .string()
    .default('')
    .transform(list)
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'runtime names are 1-64 of [A-Za-z0-9_.-]'))),
  /** `allow-list`: an agent may open egress to the host names of its `sandbox.egress.allow`; `off`: no agent may. */
  SANDBOX_EGRESS: z.enum(['allow-list', 'off']).default('allow-list'),
  /**
   * Addresses the egress checks let through although they are private (RFC 1918, CGNAT, ULA): exact
   * CIDRs, each at most 256 addresses, never loopback, link-local or metadata. For a test host or one
   * internal service; empty (the default): none. A name must still be allow-listed to reach it.
   */
  SANDBOX_EGRESS_ALLOW_PRIVATE: z
    .string()
    .default('')
    .transform(list)
    .superRefine((cidrs, ctx) => {
      for (const cidr of cidrs) {
        const problem = privateOverrideProblem(cidr);
        if (problem) ctx.addIssue({ code: 'custom', message: `"${cidr}": ${problem}` });
      }
    }),
  /** Longest a `web_fetch` call may take, every redirect included. */
  WEB_FETCH_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(20_000),
  /** Bytes of a response body `web_fetch` reads (after decompression); the rest is not read. */
  WEB_FETCH_MAX_BYTES: z.coerce.number().int().min(1_024).max(256 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Largest workspace file `send_file` sends to a user (inline in the reply, so at most 512 KiB). */
  SANDBOX_SEND_FILE_MAX_BYTES: z.coerce.number().int().min(1).max(MAX_ATTACHMENT_BYTES).default(MAX_ATTACHMENT_BYTES),
});
export type SandboxConfig = z.infer<typeof SandboxConfig>;

/** The operator's ceiling of every agent's sandbox: these settings (an agent may only go lower). */
export function sandboxCeiling(config: SandboxConfig): SandboxCeiling {
  return {
    memoryMb: config.SANDBOX_MEMORY_MB,
    cpus: config.SANDBOX_CPUS,
    pidsLimit: config.SANDBOX_PIDS_LIMIT,
    bashTimeoutMs: config.SANDBOX_BASH_TIMEOUT_MS,
    maxOutputBytes: config.SANDBOX_MAX_OUTPUT_BYTES,
    runtimesAllowed: config.SANDBOX_RUNTIMES_ALLOWED,
    egress: config.SANDBOX_EGRESS === 'allow-list',
  };
}
