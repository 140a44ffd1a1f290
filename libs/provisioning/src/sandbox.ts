import { z } from 'zod';

/*
 * An agent's own sandbox policy (`AgentConfig.sandbox`): limits that may only be lower than the
 * operator's (the runner's SANDBOX_* settings are the ceiling), an optional OCI runtime from the
 * operator's allow-list, and an egress allow-list of host names (off by default). Versioned with the
 * agent like every other field of its configuration. See docs/decisions/0018-agent-sandbox-policy-and-egress.md.
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Why a host pattern is not one; null when it is. */
export function hostPatternProblem(pattern: string): string | null {
  const [host = '', port, ...rest] = pattern.split(':');
  if (rest.length > 0) return 'IPv6 literals cannot be allow-listed: egress is by host name';
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535))
    return `"${port}" is not a port (1-65535)`;
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (host === '*' || host === '') return 'a pattern names a host ("api.example.com") or its subdomains ("*.example.com"), never every host';
  if (name.length > 253) return 'the host name is longer than 253 characters';
  const labels = name.split('.');
  if (labels.length < 2) return 'the host name needs a domain ("api.example.com", not "api")';
  if (!labels.every((l) => LABEL.test(l))) return 'only lowercase letters, digits, "-" and "." (IDN names in their xn-- form)';
  if (/^\d+$/.test(labels.at(-1)!)) return 'IP addresses cannot be allow-listed: egress is by host name';
  return null;
}

/** `api.example.com`, `*.example.com` (its subdomains, not itself), optionally with `:port` (else 80 and 443). */
export const HostPattern = z
  .string()
  .max(300)
  .transform((p) => p.trim().toLowerCase().replace(/\.(?=(:|$))/, ''))
  .superRefine((p, ctx) => {
    const problem = hostPatternProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: `egress host "${p}": ${problem}` });
  });

export const AgentSandbox = z
  .object({
    /** Memory of the agent's containers (no swap); at most the runner's SANDBOX_MEMORY_MB. */
    memoryMb: z.number().int().min(16).max(1_048_576).optional(),
    /** CPUs; at most SANDBOX_CPUS. */
    cpus: z.number().min(0.05).max(64).optional(),
    /** Processes and threads; at most SANDBOX_PIDS_LIMIT. */
    pidsLimit: z.number().int().min(8).max(4_194_304).optional(),
    /** Longest `bash` call; at most SANDBOX_BASH_TIMEOUT_MS. */
    bashTimeoutMs: z.number().int().min(1_000).max(86_400_000).optional(),
    /** Bytes of a command's stdout (and of its stderr), and of a fetched page's text, shown to the model; at most SANDBOX_MAX_OUTPUT_BYTES. */
    maxOutputBytes: z.number().int().min(1_024).max(64 * 1024 * 1024).optional(),
    /**
     * The one hole an agent may open: HTTP(S) to these host names, through the runner's filtering
     * proxy (never to private, loopback, link-local or metadata addresses). null: no network at all.
     */
    egress: z
      .object({ allow: z.array(HostPattern).min(1).max(100) })
      .strict()
      .nullable()
      .default(null),
    /** An OCI runtime such as `runsc`, one of the runner's SANDBOX_RUNTIMES_ALLOWED; null: the runner's SANDBOX_RUNTIME. */
    runtime: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a runtime name is 1-64 of [A-Za-z0-9_.-]')
      .nullable()
      .default(null),
  })
  // An unknown key ("network", "privileged") is refused, never ignored: nothing but these can be set.
  .strict();
export type AgentSandbox = z.infer<typeof AgentSandbox>;

export const NO_AGENT_SANDBOX: AgentSandbox = { egress: null, runtime: null };

/** What an operator allows agents (the runner's environment): the most each may have. */
export interface SandboxCeiling {
  readonly memoryMb: number;
  readonly cpus: number;
  readonly pidsLimit: number;
  readonly bashTimeoutMs: number;
  readonly maxOutputBytes: number;
  /** Runtimes an agent may name (SANDBOX_RUNTIMES_ALLOWED). */
  readonly runtimesAllowed: readonly string[];
  /** Whether agents may have egress at all (SANDBOX_EGRESS). */
  readonly egress: boolean;
}

const LIMITS = [
  ['memoryMb', 'SANDBOX_MEMORY_MB'],
  ['cpus', 'SANDBOX_CPUS'],
  ['pidsLimit', 'SANDBOX_PIDS_LIMIT'],
  ['bashTimeoutMs', 'SANDBOX_BASH_TIMEOUT_MS'],
  ['maxOutputBytes', 'SANDBOX_MAX_OUTPUT_BYTES'],
] as const;

/**
 * What in an agent's sandbox would loosen the operator's ceiling, one text per value; empty when it
 * only tightens. Refused when an agent is configured; the runner clamps it again where it is used.
 */
export function sandboxLoosening(ceiling: SandboxCeiling, sandbox: AgentSandbox): string[] {
  const problems: string[] = [];
  for (const [key, variable] of LIMITS) {
    const value = sandbox[key];
    if (value !== undefined && value > ceiling[key])
      problems.push(`sandbox.${key}: ${value} is above the operator's ${ceiling[key]} (${variable}); an agent's sandbox may only tighten`);
  }
  if (sandbox.runtime !== null && !ceiling.runtimesAllowed.includes(sandbox.runtime))
    problems.push(
      `sandbox.runtime: "${sandbox.runtime}" is not a runtime the operator allows (SANDBOX_RUNTIMES_ALLOWED: ${ceiling.runtimesAllowed.join(', ') || 'none'})`,
    );
  if (sandbox.egress !== null && !ceiling.egress) problems.push('sandbox.egress: the operator has turned egress off (SANDBOX_EGRESS=off)');
  return problems;
}
