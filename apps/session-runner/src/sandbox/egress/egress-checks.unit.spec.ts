import { addressProblem, ownAddresses, parsePrivateOverrides, privateOverrideProblem } from './addresses';
import { checkTarget, EgressRefused, hostAllowed, type Resolver } from './target';

// No test here resolves or connects: the resolver maps test names to the addresses under test.
const NAMES: Record<string, string[]> = {
  'public.test': ['8.8.8.8'],
  'ten.test': ['10.1.2.3'],
  'metadata.test': ['169.254.169.254'],
  'loopback.test': ['127.0.0.53'],
  'v6loopback.test': ['::1'],
  'ula.test': ['fd00::1'],
  'mapped.test': ['::ffff:10.0.0.1'],
  'cgnat.test': ['100.64.1.1'],
  'linklocal6.test': ['fe80::1'],
  'zero.test': ['0.0.0.0'],
  'mixed.test': ['8.8.8.8', '192.168.1.1'],
  'nothing.test': [],
  'internal.test': ['10.200.0.2'],
  'self.test': ['8.8.4.4'],
};
const asked: string[] = [];
const resolver: Resolver = async (host) => {
  asked.push(host);
  const addresses = NAMES[host];
  if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
const allow = Object.keys(NAMES);
const rules = { allow, resolver, allowPrivate: [] };

beforeEach(() => (asked.length = 0));

describe('addresses egress may reach', () => {
  it.each([
    ['8.8.8.8', null],
    ['2001:4860:4860::8888', null],
    ['10.0.0.1', /private address \(RFC 1918\)/],
    ['172.16.5.4', /RFC 1918/],
    ['192.168.0.1', /RFC 1918/],
    ['100.64.0.1', /CGNAT/],
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['::1', /loopback/],
    ['169.254.169.254', /metadata/],
    ['169.254.1.1', /link-local/],
    ['fe80::1', /link-local/],
    ['fd00::1', /unique local/],
    ['fd00:ec2::254', /metadata/],
    ['100.100.100.200', /metadata/],
    ['::ffff:10.0.0.1', /RFC 1918/],
    ['::ffff:169.254.169.254', /metadata/],
    ['64:ff9b::a00:1', /NAT64/],
    ['2002:a00:1::', /6to4/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['192.0.2.1', /reserved/],
    ['not-an-ip', /not an IP address/],
  ])('%s: %s', (address, expected) => {
    expect(addressProblem(address) ?? 'reachable').toMatch(expected ?? /^reachable$/);
  });

  it("refuses the runner's own machine, even at a public address", () => {
    expect(addressProblem('8.8.4.4', [], new Set(['8.8.4.4']))).toBe("an address of the runner's own machine");
    expect(ownAddresses().has('127.0.0.1')).toBe(true);
    // An override never opens the runner's own private address either.
    expect(addressProblem('10.0.0.5', parsePrivateOverrides(['10.0.0.0/24']), new Set(['10.0.0.5']))).toBe("an address of the runner's own machine");
  });

  it('lets through only what an explicit, narrow private override names', () => {
    const overrides = parsePrivateOverrides(['10.200.0.2/32', 'fd12:3456::/120']);
    expect(addressProblem('10.200.0.2', overrides)).toBeNull();
    expect(addressProblem('fd12:3456::7', overrides)).toBeNull();
    expect(addressProblem('10.200.0.3', overrides)).toMatch(/RFC 1918/);
    expect(addressProblem('::ffff:10.200.0.2', overrides)).toBeNull();
  });

  it.each([
    ['10.0.0.0/8', /wider than \/24/],
    ['10.200.0.2', /with its prefix/],
    ['127.0.0.1/32', /not a private range \(a loopback address\)/],
    ['169.254.169.254/32', /not a private range/],
    ['100.100.100.0/24', /metadata address 100.100.100.200/],
    ['8.8.8.8/32', /not a private range/],
    ['fd00:ec2::254/128', /metadata/],
    ['fd00::/64', /wider than \/120/],
    ['::1/128', /not a private range/],
    ['10.1.2.3/33', /not a CIDR/],
    ['garbage/24', /not a CIDR/],
  ])('refuses the override %s', (cidr, reason) => {
    expect(privateOverrideProblem(cidr)).toMatch(reason);
    expect(() => parsePrivateOverrides([cidr])).toThrow(reason);
  });
});

describe('an allow-list', () => {
  it.each([
    ['api.example.com', 443, ['api.example.com'], true],
    ['api.example.com', 80, ['api.example.com'], true],
    ['api.example.com', 8080, ['api.example.com'], false],
    ['api.example.com', 8443, ['api.example.com:8443'], true],
    ['api.example.com', 443, ['api.example.com:8443'], false],
    ['a.b.example.com', 443, ['*.example.com'], true],
    ['example.com', 443, ['*.example.com'], false],
    ['evilexample.com', 443, ['*.example.com'], false],
    ['api.example.com.evil.test', 443, ['api.example.com'], false],
  ] as const)('%s:%d against %j: %s', (host, port, list, expected) => {
    expect(hostAllowed(host, port, list)).toBe(expected);
  });
});

describe('a destination, checked before anything connects', () => {
  it('is the first address of an allow-listed public name', async () => {
    expect(await checkTarget('Public.Test.', 443, rules)).toEqual({ host: 'public.test', port: 443, address: '8.8.8.8', family: 4 });
  });

  it.each([
    ['ten.test', /resolves to 10.1.2.3, a private address/],
    ['metadata.test', /resolves to 169.254.169.254, a cloud metadata address/],
    ['loopback.test', /resolves to 127.0.0.53, a loopback address/],
    ['v6loopback.test', /resolves to ::1, a loopback address/],
    ['ula.test', /resolves to fd00::1, a private address \(IPv6 unique local/],
    ['mapped.test', /resolves to ::ffff:10.0.0.1, a private address/],
    ['cgnat.test', /CGNAT/],
    ['linklocal6.test', /link-local/],
    ['zero.test', /unspecified/],
    ['mixed.test', /resolves to 192.168.1.1/],
    ['nothing.test', /does not resolve/],
    ['unknown.test', /does not resolve \(ENOTFOUND\)/],
  ])('refuses %s after resolving it', async (host, reason) => {
    const refused = checkTarget(host, 443, { ...rules, allow: [...allow, 'unknown.test'] });
    await expect(refused).rejects.toThrow(EgressRefused);
    await expect(refused).rejects.toThrow(reason);
    expect(asked).toEqual([host]);
  });

  it('refuses a name off the allow-list, and IP literals, without resolving anything', async () => {
    await expect(checkTarget('other.test', 443, rules)).rejects.toThrow(/other.test:443 is not on this agent's egress allow-list/);
    await expect(checkTarget('public.test', 22, rules)).rejects.toThrow(/public.test:22 is not on/);
    await expect(checkTarget('169.254.169.254', 80, rules)).rejects.toThrow(/169.254.169.254 is a cloud metadata address/);
    await expect(checkTarget('[::1]', 80, rules)).rejects.toThrow(/::1 is a loopback address/);
    await expect(checkTarget('8.8.8.8', 443, rules)).rejects.toThrow(/egress is by host name/);
    expect(asked).toEqual([]);
  });

  it("refuses a name that resolves to one of the runner's own addresses", async () => {
    await expect(checkTarget('self.test', 443, { ...rules, own: () => new Set(['8.8.4.4']) })).rejects.toThrow(
      /self.test resolves to 8.8.4.4, an address of the runner's own machine/,
    );
  });

  it('lets a private address through only with its override', async () => {
    await expect(checkTarget('internal.test', 80, rules)).rejects.toThrow(/10.200.0.2, a private address/);
    const opened = { ...rules, allowPrivate: parsePrivateOverrides(['10.200.0.2/32']) };
    expect(await checkTarget('internal.test', 80, opened)).toMatchObject({ address: '10.200.0.2' });
    // The override opens an address, not a name: another name still needs the allow-list.
    await expect(checkTarget('internal.test', 80, { ...opened, allow: ['public.test'] })).rejects.toThrow(/not on this agent's/);
  });

  it('gives up on a resolver that does not answer', async () => {
    const hanging: Resolver = () => new Promise(() => {});
    await expect(checkTarget('public.test', 443, { ...rules, resolver: hanging, resolveTimeoutMs: 50 })).rejects.toThrow(/does not resolve \(timed out\)/);
  });
});
