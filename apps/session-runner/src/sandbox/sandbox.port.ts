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
  /**
   * The fence: the epoch ms (wall clock, which the container shares with the runner's host) after
   * which the call must not start, i.e. the end of the runner's lease less a margin. Asked right
   * before the request is sent, and sent along: the in-container helper refuses a request that
   * arrives after it, so a runner frozen between its check and the send starts nothing either.
   */
  readonly startBy?: () => number;
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

/**
 * The call was not started: the runner's lease ran out before it could start (the runner was frozen
 * or cut off). Not a tool error: the runner stops without recording anything, the lease holder goes on.
 */
export class Fenced extends Error {
  override readonly name = 'Fenced';
  constructor(message = 'the runner lost its lease before the call could start; it was not started') {
    super(message);
  }
}

/** Throws `Fenced` when the fence has passed by this host's clock. */
export function checkFence(startBy: (() => number) | undefined): number | undefined {
  const deadline = startBy?.();
  if (deadline !== undefined && Date.now() > deadline) throw new Fenced();
  return deadline;
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
