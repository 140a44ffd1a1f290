import type { AgentSandbox } from '@clawfleet/provisioning';
import { probeConnections, startNetnsHttpServer, type NetnsHttpServer } from '@clawfleet/testing';
import { randomUUID } from 'node:crypto';
import type { Resolver } from '../sandbox/egress/target';
import { sanitizeToolResult } from '../session/sanitize';
import { ToolBox } from './tool.port';
import { webFetchTool, type WebFetchOptions } from './web-fetch';

// A test host in a network namespace this spec creates (root, `ip`): the only server anything here
// reaches. Every other name maps, through the injected resolver, to an address that must be refused
// before any socket is opened; nothing is ever sent off this machine.
let server: NetnsHttpServer;
let tools: ToolBox;
const names: Record<string, () => string> = {
  'site.test': () => server.address,
  'metadata.test': () => '169.254.169.254',
  'private.test': () => '10.9.9.9',
  'loopback.test': () => '127.0.0.1',
  'v6loopback.test': () => '::1',
  'ula.test': () => 'fd00::5',
  'cgnat.test': () => '100.64.0.7',
};
const resolver: Resolver = async (host) => {
  const address = names[host]?.();
  if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return [{ address, family: address.includes(':') ? 6 : 4 }];
};
const EGRESS: AgentSandbox = { egress: { allow: Object.keys(names) }, runtime: null };
const options = (): WebFetchOptions => ({
  timeoutMs: 10_000,
  maxBytes: 1024 * 1024,
  maxOutputBytes: 4_096,
  resolver,
  allowPrivate: [`${server.address}/32`],
});

/** `sandbox` null: a context without any (a tool call outside an agent's turn). */
async function fetchAs(url: string, sandbox: AgentSandbox | null = EGRESS, box = tools) {
  const outcome = await box.run(
    { id: randomUUID(), name: 'web_fetch', arguments: JSON.stringify({ url }) },
    { tenantId: 't1', sessionId: 's1', turnId: 'turn', toolCallId: randomUUID(), agentId: 'a1', ...(sandbox && { sandbox }) },
  );
  return sanitizeToolResult(outcome) as { status: string; content: string };
}

/** The call, with every TCP connection it tried. */
async function watched(url: string, sandbox: AgentSandbox | null = EGRESS) {
  const probe = probeConnections();
  try {
    return { ...(await fetchAs(url, sandbox)), attempts: probe.attempts };
  } finally {
    probe.stop();
  }
}

beforeAll(async () => {
  server = await startNetnsHttpServer();
  tools = new ToolBox([webFetchTool(options())]);
});
afterAll(() => server?.close());

describe('web_fetch to an allow-listed host', () => {
  it('returns a page\'s text, connected to the checked address', async () => {
    const r = await watched('http://site.test/hello');
    expect(r.status).toBe('ok');
    expect(r.content).toBe('200 OK — http://site.test/hello\ncontent-type: text/plain; 25 bytes\n\nhello from the test host\n');
    expect(r.attempts).toEqual([`${server.address}:80`]);
  });

  it('converts HTML to text, without scripts and styles', async () => {
    const r = await fetchAs('http://site.test/page');
    expect(r.content).toMatch(/content-type: text\/html/);
    expect(r.content).toMatch(/TEST PAGE\n\nA paragraph with bold text\./);
    expect(r.content).not.toMatch(/secret|<p>|p\{\}/);
  });

  it('sends no credential or header of the runner', async () => {
    const seen = JSON.parse((await fetchAs('http://site.test/headers')).content.split('\n\n')[1]!) as Record<string, string>;
    expect(Object.keys(seen).sort()).toEqual(['accept', 'accept-encoding', 'connection', 'host', 'user-agent']);
    expect(seen.host).toBe('site.test');
  });

  it('follows redirects on the allow-list, each hop checked, up to the hop limit', async () => {
    const chained = await fetchAs('http://site.test/chain/3');
    expect(chained.content).toMatch(/^200 OK — http:\/\/site.test\/chain\/0\n/);
    expect(chained.content).toMatch(/redirected from: http:\/\/site.test\/chain\/3 → .*chain\/2 → .*chain\/1\n/);
    expect(chained.content).toMatch(/end of the chain/);
    expect((await fetchAs('http://site.test/chain/9')).content).toMatch(/^web_fetch failed: more than 5 redirects/);
    expect((await fetchAs('http://site.test/loop')).content).toMatch(/^web_fetch failed: a redirect loop: http:\/\/site.test\/loop → http:\/\/site.test\/loop$/);
  });
});

describe('web_fetch refuses before any connection', () => {
  it.each([
    ['http://metadata.test/latest/meta-data/', /metadata.test resolves to 169.254.169.254, a cloud metadata address/],
    ['http://private.test/', /resolves to 10.9.9.9, a private address \(RFC 1918\)/],
    ['http://loopback.test:80/', /resolves to 127.0.0.1, a loopback address/],
    ['https://v6loopback.test/', /resolves to ::1, a loopback address/],
    ['http://ula.test/', /resolves to fd00::5, a private address \(IPv6 unique local/],
    ['http://cgnat.test/', /CGNAT/],
    ['http://169.254.169.254/latest/meta-data/', /169.254.169.254 is a cloud metadata address/],
    ['http://[::1]/', /::1 is a loopback address/],
    ['http://127.1/', /127.0.0.1 is a loopback address/],
    ['http://0x7f000001/', /127.0.0.1 is a loopback address/],
    [`http://${'10.251.0.1'}/`, /10.251.0.1 is a private address/],
    ['http://elsewhere.test/', /elsewhere.test:80 is not on this agent's egress allow-list/],
    ['http://site.test:8080/', /site.test:8080 is not on this agent's egress allow-list/],
  ])('%s', async (url, reason) => {
    const before = server.requests.length;
    const r = await watched(url);
    expect(r.status).toBe('error');
    expect(r.content).toMatch(reason);
    expect(r.attempts).toEqual([]);
    expect(server.requests.length).toBe(before);
  });

  it('checks every redirect again: a hop to a refused place is never connected to', async () => {
    for (const [to, reason] of [
      ['http://metadata.test/latest/meta-data/', /redirected to http:\/\/metadata.test\/latest\/meta-data\/, which is refused: .*cloud metadata address/],
      ['http://169.254.169.254/', /redirected to http:\/\/169.254.169.254\/, which is refused/],
      ['http://private.test/', /which is refused: private.test resolves to 10.9.9.9/],
      ['http://elsewhere.test/', /which is refused: elsewhere.test:80 is not on this agent's egress allow-list/],
      ['file:///etc/passwd', /redirected to file:\/\/\/etc\/passwd: only http and https URLs can be fetched, not file:/],
      ['http://user:secret@site.test/hello', /a URL with a user name or password is never fetched/],
    ] as const) {
      const r = await watched(`http://site.test/redirect?to=${encodeURIComponent(to)}`);
      expect(r.content).toMatch(reason);
      // One connection: the allowed first hop. The refused hop opened nothing.
      expect(r.attempts).toEqual([`${server.address}:80`]);
    }
  });
});

describe('hostile responses', () => {
  it('reads a huge response only up to its byte cap, and shows text up to the output cap', async () => {
    const r = await fetchAs('http://site.test/huge');
    expect(r.status).toBe('ok');
    expect(r.content).toMatch(/1048576 bytes read \(the response is longer; the first 1048576 bytes were read\)/);
    expect(r.content).toMatch(/\[text cut at 4096 bytes of 1048576\]$/);
    expect(r.content.length).toBeLessThan(4_096 + 400);
  });

  it('caps what a compressed response expands to', async () => {
    const r = await fetchAs('http://site.test/gzip-bomb');
    expect(r.content).toMatch(/binary content \(1048576 bytes, declared text\/plain\)/);
  });

  it('returns no binary content', async () => {
    expect((await fetchAs('http://site.test/binary')).content).toMatch(/answered 200 with image\/png content, which web_fetch does not return/);
    expect((await fetchAs('http://site.test/octet')).content).toMatch(/binary content \(2048 bytes\)/);
  });

  it('hands a text with NUL bytes to the sanitize step', async () => {
    const r = await fetchAs('http://site.test/nul');
    expect(r.status).toBe('ok');
    expect(r.content).toMatch(/before\uFFFDafter/);
    expect(r.content).toMatch(/1 character\(s\) that cannot be stored/);
  });

  it('gives up at its timeout', async () => {
    const quick = new ToolBox([webFetchTool({ ...options(), timeoutMs: 1_000 })]);
    expect((await fetchAs('http://site.test/slow', EGRESS, quick)).content).toBe('web_fetch failed: timed out after 1 s (http://site.test/slow)');
  });

  it("keeps to the agent's lower output cap", async () => {
    const r = await fetchAs('http://site.test/huge', { ...EGRESS, maxOutputBytes: 1_024 });
    expect(r.content).toMatch(/\[text cut at 1024 bytes of 1048576\]$/);
  });
});

describe('bad input to web_fetch', () => {
  it.each([
    ['not a url', /url: "not a url" is not an absolute URL/],
    ['file:///etc/passwd', /url: only http and https URLs can be fetched, not file:/],
    ['ftp://site.test/x', /not ftp:/],
    ['javascript:alert(1)', /not javascript:/],
    ['data:text/plain,hello', /not data:/],
    ['http://user:pw@site.test/', /user name or password/],
    ['', /url: Too small/],
  ])('%j is an argument error', async (url, reason) => {
    const r = await watched(url);
    expect(r.content).toMatch(/^Invalid arguments for web_fetch: /);
    expect(r.content).toMatch(reason);
    expect(r.attempts).toEqual([]);
  });

  it('is not available to an agent without egress', async () => {
    for (const sandbox of [null, { egress: null, runtime: null }]) {
      const r = await watched('http://site.test/hello', sandbox);
      expect(r.content).toBe(
        "web_fetch failed: not available: this agent's sandbox has no egress (sandbox.egress.allow lists the hosts it may reach)",
      );
      expect(r.attempts).toEqual([]);
    }
  });
});
