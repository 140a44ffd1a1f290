import dns from 'node:dns';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { addressProblem, ownAddresses, type Cidr } from './addresses';

/** Host name → its addresses (the system's resolver by default; tests map names to what they want). */
export type Resolver = (host: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/** A refusal of the egress checks: what the tool's error (or the proxy's 403) says. */
export class EgressRefused extends Error {
  override readonly name = 'EgressRefused';
}

/** What the checks need: the agent's allow-list, the resolver, the operator's private overrides. */
export interface EgressRules {
  readonly allow: readonly string[];
  readonly resolver: Resolver;
  readonly allowPrivate: readonly Cidr[];
  /** Longest a resolution may take. */
  readonly resolveTimeoutMs?: number;
  /** This machine's addresses (read from its interfaces at each check by default). */
  readonly own?: () => ReadonlySet<string>;
}

/** A checked destination: connect to `address` (pinned: never resolved again), speak to `host`. */
export interface Target {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly family: 4 | 6;
}

/** A host as egress compares it: lowercase, ASCII (IDN as xn--), no trailing dot, no IPv6 brackets. */
export function normalizeHost(host: string): string {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return bare.toLowerCase();
  return domainToASCII(bare.replace(/\.$/, '')).toLowerCase();
}

/** Whether an allow-list names this host and port (`host` and `*.domain` cover 80 and 443; `host:port` that port). */
export function hostAllowed(host: string, port: number, allow: readonly string[]): boolean {
  return allow.some((pattern) => {
    const [name = '', p] = pattern.split(':');
    if (p === undefined ? port !== 80 && port !== 443 : Number(p) !== port) return false;
    return name.startsWith('*.') ? host.endsWith(name.slice(1)) && host.length > name.length - 1 : host === name;
  });
}

/**
 * Checks a destination before anything connects to it, in this order: an IP literal is never
 * allow-listed (egress is by name) and says what kind of address it is; the name must be on the
 * allow-list; it is resolved here, and every address it resolves to must be public (or inside an
 * explicit private override). Returns the first address, to which the caller connects: the name is
 * not resolved again, so a second answer (DNS rebinding) never takes effect.
 */
export async function checkTarget(rawHost: string, port: number, rules: EgressRules): Promise<Target> {
  const host = normalizeHost(rawHost);
  if (!host) throw new EgressRefused(`"${rawHost}" is not a host name`);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new EgressRefused(`port ${port} is not a port`);
  const own = (rules.own ?? ownAddresses)();
  if (isIP(host)) {
    const problem = addressProblem(host, rules.allowPrivate, own);
    throw new EgressRefused(
      problem
        ? `${host} is ${problem}: never reachable from a sandbox`
        : `${host} is an IP address: egress is by host name, and only names on this agent's allow-list are reachable`,
    );
  }
  if (!hostAllowed(host, port, rules.allow))
    throw new EgressRefused(`${host}:${port} is not on this agent's egress allow-list (${rules.allow.join(', ') || 'empty'})`);
  let addresses: readonly { address: string; family: number }[];
  let timer: NodeJS.Timeout | undefined;
  try {
    addresses = await Promise.race([
      rules.resolver(host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), rules.resolveTimeoutMs ?? 10_000);
      }),
    ]);
  } catch (error) {
    throw new EgressRefused(`${host} does not resolve (${(error as { code?: string }).code ?? (error as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
  if (addresses.length === 0) throw new EgressRefused(`${host} does not resolve`);
  for (const { address } of addresses) {
    const problem = addressProblem(address, rules.allowPrivate, own);
    if (problem) throw new EgressRefused(`${host} resolves to ${address}, ${problem}: never reachable from a sandbox`);
  }
  const { address, family } = addresses[0]!;
  return { host, port, address, family: family === 6 ? 6 : 4 };
}
