import type { AgentSandbox } from '@clawfleet/provisioning';

/** The session a sandbox belongs to. Ids are checked before they name anything on the host. */
export interface SandboxOwner {
  readonly tenantId: string;
  readonly agentId: string;
  readonly sessionId: string;
  /** Its agent's own sandbox policy (limits only lower, a runtime, egress); absent: the runner's defaults, no network. */
  readonly sandbox?: AgentSandbox;
}

export interface ExecRequest {
  /** argv of the process, run as the sandbox's non-root user in /workspace. */
  readonly argv: readonly string[];
  /** Written to the process's stdin, then closed. */
  readonly stdin?: string;
  readonly timeoutMs: number;
  /** Bytes of stdout and of stderr kept; the rest is counted, not kept. */
  readonly maxOutputBytes: number;
  readonly signal?: AbortSignal;
}

export interface ExecResult {
  /** null when the process did not finish (killed at the timeout or cut off). */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Bytes written, including what was not kept. */
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

/** A tool error the model should see as such (full, engine down, bad path): never a crash. */
export class SandboxError extends Error {
  override readonly name = 'SandboxError';
}

/** Where tools run: one container per session, made on first use and reused. */
export interface SandboxPort {
  exec(owner: SandboxOwner, request: ExecRequest): Promise<ExecResult>;
  /** The session ended: its container goes (its workspace stays until the session's data is deleted). */
  release(owner: SandboxOwner): Promise<void>;
  /** Stops idle containers and removes what no session uses; run periodically. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}
