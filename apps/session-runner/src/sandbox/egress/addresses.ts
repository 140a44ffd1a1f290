import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';
import os from 'node:os';

/*
 * Which addresses egress may reach: public unicast only. Pure; used by the egress proxy and by
 * web_fetch on every address a host name resolves to (after resolution, so a public name that
 * resolves to a private address is refused too) and on every redirect.
 */

type IP = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = readonly [IP, number];

/** Cloud instance-metadata addresses, named apart so an error says what was asked for. */
const METADATA = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean
  '169.254.170.2', // AWS ECS task metadata
  '169.254.170.23', // AWS EKS pod identity
  'fd00:ec2::254', // AWS over IPv6
  'fd00:ec2::23',
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (legacy)
]);

const WHY: Record<string, string> = {
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private address (RFC 1918)',
  carrierGradeNat: 'a shared address (CGNAT, 100.64.0.0/10)',
  uniqueLocal: 'a private address (IPv6 unique local, fc00::/7)',
  linkLocal: 'a link-local address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
  rfc6145: 'an IPv4-translated IPv6 address',
  rfc6052: 'a NAT64 address (it embeds an IPv4 address)',
  '6to4': 'a 6to4 address (it embeds an IPv4 address)',
  teredo: 'a Teredo address (it embeds an IPv4 address)',
  deprecatedSiteLocal: 'a site-local address',
};

/** The ranges an explicit private override may open; loopback, link-local and metadata never. */
const OVERRIDABLE = new Set(['private', 'carrierGradeNat', 'uniqueLocal']);

function parse(address: string): IP | null {
  if (isIP(address) === 0) return null;
  const ip = ipaddr.parse(address);
  // ::ffff:10.0.0.1 reaches 10.0.0.1: judged as the IPv4 address it is.
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

/**
 * The addresses of this machine's own interfaces: a public one among them is still the runner's
 * host, whose services egress must not reach by a name that resolves to it.
 */
export function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(os.networkInterfaces()))
    for (const { address } of list ?? []) {
      const ip = parse(address.replace(/%.*$/, ''));
      if (ip) own.add(ip.toString());
    }
  return own;
}

/**
 * Why egress may not reach this address (an IP literal, as a resolver returns it); null when it may:
 * a public unicast address that is not one of this machine's (`own`), or one inside an explicit
 * private override.
 */
export function addressProblem(address: string, allowPrivate: readonly Cidr[] = [], own: ReadonlySet<string> = new Set()): string | null {
  const ip = parse(address);
  if (!ip) return `"${address}" is not an IP address`;
  if (METADATA.has(ip.toString())) return 'a cloud metadata address';
  const range = ip.range();
  const overridden =
    OVERRIDABLE.has(range) && allowPrivate.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net as never, bits));
  if (range !== 'unicast' && !overridden) return WHY[range] ?? `a reserved or special-purpose address (${range})`;
  if (own.has(ip.toString())) return "an address of the runner's own machine";
  return null;
}

/**
 * Why a CIDR may not be a private override; null when it may: written with its prefix, at most 256
 * addresses (IPv4 /24, IPv6 /120), entirely private (RFC 1918, CGNAT, ULA), holding no metadata address.
 */
export function privateOverrideProblem(cidr: string): string | null {
  if (!cidr.includes('/')) return 'write it as a CIDR with its prefix, e.g. 10.200.0.2/32';
  let net: IP;
  let bits: number;
  try {
    [net, bits] = ipaddr.parseCIDR(cidr);
  } catch {
    return 'not a CIDR';
  }
  if (isIP(cidr.split('/')[0]!) === 0) return 'not a CIDR';
  const narrowest = net.kind() === 'ipv4' ? 24 : 120;
  if (bits < narrowest) return `wider than /${narrowest}: an override opens one host or a few, never a whole network`;
  const first = net.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  const last = net.kind() === 'ipv4' ? ipaddr.IPv4.broadcastAddressFromCIDR(cidr) : ipaddr.IPv6.broadcastAddressFromCIDR(cidr);
  for (const end of [first, last])
    if (!OVERRIDABLE.has(end.range())) return `not a private range (${WHY[end.range()] ?? end.range()}): only RFC 1918, CGNAT and ULA addresses can be let through`;
  for (const m of METADATA) {
    const ip = ipaddr.parse(m);
    if (ip.kind() === net.kind() && ip.match(net as never, bits)) return `it holds the metadata address ${m}`;
  }
  return null;
}

/** The overrides as ranges; throws on one that is not a narrow private range (a constructor's own list too). */
export function parsePrivateOverrides(cidrs: readonly string[]): Cidr[] {
  return cidrs.map((cidr) => {
    const problem = privateOverrideProblem(cidr);
    if (problem) throw new Error(`SANDBOX_EGRESS_ALLOW_PRIVATE "${cidr}": ${problem}`);
    return ipaddr.parseCIDR(cidr);
  });
}
