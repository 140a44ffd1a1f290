import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { parsePrivateOverrides, type Cidr } from './addresses';
import { EGRESS_SOCKET } from './forwarder';
import { checkTarget, EgressRefused, systemResolver, type Resolver, type Target } from './target';

export interface EgressProxyOptions {
  /** The sandbox user, the only one the socket is opened to. */
  readonly uid: number;
  readonly gid: number;
  /** Resolves allow-listed names (the system's resolver by default). */
  readonly resolver?: Resolver;
  /** The operator's private overrides (SANDBOX_EGRESS_ALLOW_PRIVATE), each checked again here. */
  readonly allowPrivate?: readonly string[];
  /** Connections a session may have open at once. */
  readonly maxConnections?: number;
  /** A tunnel or request with no traffic this long is closed. */
  readonly idleMs?: number;
  readonly connectTimeoutMs?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

interface Listener {
  readonly server: http.Server;
  readonly dir: string;
  readonly socketPath: string;
  readonly ino: number;
  allow: readonly string[];
  readonly sockets: Set<net.Socket>;
}

/** Request headers that belong to the hop to the proxy, never passed on (a proxy credential least of all). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const strip = (headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders) => {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  return Object.fromEntries(Object.entries(headers).filter(([k, v]) => v !== undefined && !HOP_BY_HOP.has(k) && !named.has(k)));
};

/** "host:port" or "[v6]:port" of a CONNECT request. */
function authority(text: string): { host: string; port: number } | null {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  return m ? { host: m[1]!, port: Number(m[2]) } : null;
}

/**
 * The runner's filtering HTTP(S) proxy, one Unix socket per session (bind-mounted into that session's
 * container, which has no network): CONNECT for https, absolute-form requests for plain http. Every
 * destination goes through `checkTarget` (the agent's allow-list, resolution here, public addresses
 * only) and the connection goes to the checked address. It adds nothing to a request and passes no
 * credential on: whatever reaches the outside came from the sandbox.
 */
export class EgressProxy {
  private readonly listeners = new Map<string, Promise<Listener>>();
  private readonly allowPrivate: readonly Cidr[];
  private readonly resolver: Resolver;

  constructor(private readonly o: EgressProxyOptions) {
    this.allowPrivate = parsePrivateOverrides(o.allowPrivate ?? []);
    this.resolver = o.resolver ?? systemResolver;
    if (this.allowPrivate.length > 0)
      o.log?.('egress lets these private addresses through (SANDBOX_EGRESS_ALLOW_PRIVATE)', { cidrs: o.allowPrivate });
  }

  /** Listens for a session in `dir` (made if missing) with this allow-list; again: the allow-list is replaced. */
  async open(key: string, dir: string, allow: readonly string[]): Promise<void> {
    const known = this.listeners.get(key);
    if (known) {
      const listener = await known.catch(() => null);
      if (listener && listener.dir === dir && (await this.stillOurs(listener))) {
        listener.allow = allow;
        return;
      }
      this.listeners.delete(key);
      if (listener) await this.shut(listener);
    }
    const pending = this.listen(dir, allow);
    this.listeners.set(key, pending);
    pending.catch(() => this.listeners.get(key) === pending && this.listeners.delete(key));
    await pending;
  }

  async close(key: string): Promise<void> {
    const pending = this.listeners.get(key);
    this.listeners.delete(key);
    const listener = await pending?.catch(() => null);
    if (listener) await this.shut(listener);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((key) => this.close(key)));
  }

  private async listen(dir: string, allow: readonly string[]): Promise<Listener> {
    await fs.mkdir(path.dirname(dir), { recursive: true, mode: 0o711 });
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    const socketPath = path.join(dir, EGRESS_SOCKET);
    // Bound under a name of its own and renamed into place: closing a server unlinks the name it was
    // bound to, which then is never the socket another runner (that took the session over) put there.
    const boundPath = path.join(dir, `.${randomUUID().slice(0, 8)}.sock`);
    const sockets = new Set<net.Socket>();
    const server = http.createServer({ requestTimeout: 0, headersTimeout: 30_000 });
    server.maxConnections = this.o.maxConnections ?? 64;
    const listener: Listener = { server, dir, socketPath, ino: 0, allow, sockets };
    const track = (s: net.Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    };
    server.on('connection', track);
    server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
      void this.tunnel(listener, req, socket, head, track),
    );
    server.on('request', (req, res) => void this.forward(listener, req, res, track));
    server.on('upgrade', (_req, socket: net.Socket) => socket.destroy());
    server.on('clientError', (_e, socket: net.Socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(boundPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    try {
      await fs.chown(boundPath, this.o.uid, this.o.gid);
      await fs.chmod(boundPath, 0o600);
    } catch {
      // Not root: the sandbox user cannot own it; connecting needs write permission on it.
      await fs.chmod(boundPath, 0o666);
    }
    await fs.rename(boundPath, socketPath);
    return Object.assign(listener, { ino: (await fs.stat(socketPath)).ino });
  }

  /** Whether the socket file is still the one this listener made (another runner may have taken the session). */
  private async stillOurs(listener: Listener): Promise<boolean> {
    return listener.server.listening && (await this.ownsSocket(listener));
  }

  private async ownsSocket(listener: Listener): Promise<boolean> {
    const stat = await fs.stat(listener.socketPath).catch(() => null);
    return stat?.ino === listener.ino;
  }

  private async shut(listener: Listener) {
    listener.server.close();
    for (const s of listener.sockets) s.destroy();
    if (await this.ownsSocket(listener)) await fs.rm(listener.socketPath, { force: true });
  }

  private check(listener: Listener, host: string, port: number): Promise<Target> {
    return checkTarget(host, port, { allow: listener.allow, resolver: this.resolver, allowPrivate: this.allowPrivate });
  }

  private refused(host: string, error: unknown): string {
    const reason = error instanceof EgressRefused ? error.message : `the check failed: ${(error as Error).message}`;
    this.o.log?.('egress refused', { host, reason });
    return `clawfleet egress refused: ${reason}\n`;
  }

  /** CONNECT host:port — the tunnel for https (TLS stays end to end between the tool and the server). */
  private async tunnel(listener: Listener, req: http.IncomingMessage, socket: net.Socket, head: Buffer, track: (s: net.Socket) => void) {
    socket.on('error', () => socket.destroy());
    const answer = (status: string, body: string) => {
      socket.end(
        `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\nx-clawfleet-egress: refused\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    const where = authority(req.url ?? '');
    if (!where) return answer('400 Bad Request', 'clawfleet egress: CONNECT needs host:port\n');
    let target: Target;
    try {
      target = await this.check(listener, where.host, where.port);
    } catch (error) {
      return answer('403 Forbidden', this.refused(where.host, error));
    }
    const upstream = net.connect({ host: target.address, port: target.port, family: target.family });
    track(upstream);
    upstream.setTimeout(this.o.connectTimeoutMs ?? 10_000);
    let connected = false;
    upstream.once('timeout', () => upstream.destroy(new Error('timed out')));
    upstream.once('error', (error) => {
      if (!connected) answer('502 Bad Gateway', `clawfleet egress: ${target.host} (${target.address}) did not answer: ${error.message}\n`);
      socket.destroy();
    });
    upstream.once('connect', () => {
      connected = true;
      const idle = this.o.idleMs ?? 120_000;
      upstream.setTimeout(idle);
      socket.setTimeout(idle, () => socket.destroy());
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
      socket.once('close', () => upstream.destroy());
      upstream.once('close', () => socket.destroy());
    });
  }

  /** An absolute-form plain http request, sent on to the checked address with its own Host. */
  private async forward(listener: Listener, req: http.IncomingMessage, res: http.ServerResponse, track: (s: net.Socket) => void) {
    const answer = (status: number, body: string) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-clawfleet-egress': 'refused', connection: 'close' });
      res.end(body);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return answer(400, 'clawfleet egress: this is a proxy: ask for an absolute http:// URL, or CONNECT host:443 for https\n');
    }
    if (url.protocol !== 'http:') return answer(400, `clawfleet egress: only http:// is proxied this way (https goes through CONNECT), not ${url.protocol}\n`);
    let target: Target;
    try {
      target = await this.check(listener, url.hostname, Number(url.port || 80));
    } catch (error) {
      return answer(403, this.refused(url.hostname, error));
    }
    const upstream = http.request({
      host: target.address,
      port: target.port,
      family: target.family,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...strip(req.headers), host: url.host },
      setHost: false,
      agent: false,
      timeout: this.o.connectTimeoutMs ?? 10_000,
    });
    upstream.on('socket', track);
    upstream.once('timeout', () => upstream.destroy(new Error('timed out')));
    upstream.once('error', (error) => answer(502, `clawfleet egress: ${target.host} (${target.address}) failed: ${error.message}\n`));
    upstream.once('response', (answered) => {
      upstream.setTimeout(this.o.idleMs ?? 120_000);
      res.writeHead(answered.statusCode ?? 502, answered.statusMessage, strip(answered.headers) as http.OutgoingHttpHeaders);
      answered.pipe(res);
    });
    req.pipe(upstream);
  }
}
