import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { createInterface } from 'node:readline';

/**
 * A test HTTP host that exists only on this machine: a network namespace the test creates, joined to
 * the host by a veth pair on a private /30 (10.251.x.y), with an HTTP server on port 80 inside it.
 * Egress tests reach it (through an explicit private override for its one address) instead of any
 * outside or real private address. Needs root and `ip`. Every request it answers is recorded.
 *
 * Paths: /hello (text), /page (HTML), /huge (64 MB of text), /gzip-bomb (50 MB of zeros, gzipped),
 * /binary (image/png), /octet (binary, no type), /nul (text with NULs), /redirect?to=URL (302),
 * /loop (302 to itself), /chain/N (N redirects), /headers (the request's headers as JSON), /slow (never answers).
 */
export interface NetnsHttpServer {
  /** The server's address inside the namespace (port 80). */
  readonly address: string;
  /** The paths requested so far, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

const SERVER = String.raw`
'use strict';
const http = require('http');
const zlib = require('zlib');
const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024));
const text = (res, body, type = 'text/plain; charset=utf-8') => { res.writeHead(200, { 'content-type': type }); res.end(body); };
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  process.stdout.write(JSON.stringify({ path: req.url }) + '\n');
  if (url.pathname === '/hello') return text(res, 'hello from the test host\n');
  if (url.pathname === '/page') return text(res, '<!doctype html><html><head><title>T</title><style>p{}</style><script>var secret = 1;</script></head><body><h1>Test page</h1><p>A paragraph with <b>bold</b> text.</p></body></html>', 'text/html; charset=utf-8');
  if (url.pathname === '/huge') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const more = () => { while (sent < 1024) { sent++; if (!res.write(chunk)) return res.once('drain', more); } res.end(); };
    res.on('close', () => { sent = 1e9; });
    return more();
  }
  if (url.pathname === '/gzip-bomb') { res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }); return res.end(bomb); }
  if (url.pathname === '/binary') { res.writeHead(200, { 'content-type': 'image/png' }); return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0, 0, 0, 0])); }
  if (url.pathname === '/octet') { res.writeHead(200); return res.end(Buffer.alloc(2048, 0)); }
  if (url.pathname === '/nul') return text(res, 'before\u0000after, a text with one NUL in it\n');
  if (url.pathname === '/redirect') { res.writeHead(302, { location: url.searchParams.get('to') }); return res.end(); }
  if (url.pathname === '/loop') { res.writeHead(302, { location: '/loop' }); return res.end(); }
  const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
  if (chain) {
    const n = Number(chain[1]);
    if (n === 0) return text(res, 'end of the chain\n');
    res.writeHead(302, { location: '/chain/' + (n - 1) });
    return res.end();
  }
  if (url.pathname === '/headers') return text(res, JSON.stringify(req.headers), 'application/json');
  if (url.pathname === '/slow') return;
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('no such test path\n');
}).listen(80, process.argv[1], () => process.stdout.write(JSON.stringify({ ready: true }) + '\n'));
`;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** A free /30 in 10.251.0.0/16: [host side, namespace side]. */
function pickSubnet(): [string, string] {
  const used = ip('-o', '-4', 'addr', 'show');
  for (let i = 0; i < 50; i++) {
    const [third, fourth] = [randomInt(256), randomInt(64) * 4];
    const prefix = `10.251.${third}.`;
    if (![1, 2].some((k) => used.includes(`${prefix}${fourth + k}/`))) return [`${prefix}${fourth + 1}`, `${prefix}${fourth + 2}`];
  }
  throw new Error('no free /30 in 10.251.0.0/16');
}

export async function startNetnsHttpServer(): Promise<NetnsHttpServer> {
  const id = randomBytes(4).toString('hex');
  const [ns, hostSide, nsSide] = [`cf-${id}`, `cfh${id}`, `cfn${id}`];
  const [hostAddress, address] = pickSubnet();
  const cleanup = () => {
    for (const args of [['netns', 'del', ns], ['link', 'del', hostSide]]) {
      try {
        ip(...args);
      } catch {
        // already gone
      }
    }
  };
  let child: ChildProcess | undefined;
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
    ip('link', 'set', nsSide, 'netns', ns);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostSide);
    ip('link', 'set', hostSide, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsSide);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsSide, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
    const requests: string[] = [];
    await new Promise<void>((resolve, reject) => {
      child!.once('exit', (code) => reject(new Error(`the test server in ${ns} exited (${code})`)));
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        const event = JSON.parse(line) as { ready?: boolean; path?: string };
        if (event.ready) resolve();
        if (event.path) requests.push(event.path);
      });
    });
    const running = child;
    return {
      address,
      requests,
      async close() {
        if (running.exitCode === null) {
          const exited = new Promise((resolve) => running.once('exit', resolve));
          running.kill('SIGKILL');
          await exited;
        }
        cleanup();
      },
    };
  } catch (error) {
    child?.kill('SIGKILL');
    cleanup();
    throw error;
  }
}
