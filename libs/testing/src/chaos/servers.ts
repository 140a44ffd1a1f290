import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, LineBuffer, sleep } from '../launcher/support';

/**
 * Servers a chaos run owns: its own nats-server and PostgreSQL cluster on free ports, which it may
 * restart and kill at will. The shared ones on 4222/5432 are never touched.
 */

const NATS_BIN = process.env.CHAOS_NATS_SERVER ?? '/usr/sbin/nats-server';
const PG_BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

// Servers still running when the process exits (an interrupted run, a crashed spec) are stopped
// synchronously, so no nats-server or PostgreSQL cluster of a chaos run outlives it.
const exitHooks = new Set<() => void>();
const runExitHooks = () => exitHooks.forEach((hook) => hook());
function onExit(hook: () => void): () => void {
  if (exitHooks.size === 0) process.on('exit', runExitHooks);
  exitHooks.add(hook);
  return () => {
    exitHooks.delete(hook);
    if (exitHooks.size === 0) process.off('exit', runExitHooks);
  };
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** The JetStream store directory (kept across restarts, removed by stop()). */
  readonly dir: string;
  /** Signals the server (default SIGTERM: a graceful shutdown) and waits until it exited; then it is down. */
  down(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store directory, once down. */
  up(): Promise<void>;
  /** SIGTERM, wait, start again. */
  restart(): Promise<void>;
  /** SIGKILL, then start again: JetStream writes not yet flushed by nats-server are lost. */
  kill(): Promise<void>;
  /** Stops the server for good and removes the store directory (unless it was given). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Rewrites the config file given to startNats and has the running server reload it (SIGHUP). */
  reload(config: string): Promise<void>;
  readonly running: boolean;
  logs(lines?: number): string[];
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(
  port: number,
  timeoutMs: number,
  alive: () => boolean,
  what: string,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`${what} exited before listening on ${port}${detail ? `: ${detail()}` : ''}`);
    if (Date.now() > deadline) throw new Error(`${what} is not listening on ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * `nats-server -a 127.0.0.1 -p <port> -js -sd <dir>` with a monitoring port for /healthz. `config`:
 * the text of a config file the server also reads (an `authorization` block; the flags win over
 * what it says of address, ports and store), with `env` for its `$VARIABLE` references.
 */
export async function startNats(
  options: { dir?: string; port?: number; config?: string; env?: Readonly<Record<string, string>> } = {},
): Promise<NatsServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'chaos-nats-'));
  const ownDir = options.dir === undefined;
  const configDir = options.config === undefined ? undefined : mkdtempSync(join(tmpdir(), 'nats-conf-'));
  const configArgs: string[] = [];
  if (configDir) {
    writeFileSync(join(configDir, 'nats-server.conf'), options.config!, { mode: 0o600 });
    configArgs.push('-c', join(configDir, 'nats-server.conf'));
  }
  const port = options.port ?? (await freePort());
  const monitor = await freePort();
  const logs = new LineBuffer(500);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const up = async () => {
    if (running()) return;
    const args = [...configArgs, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '-js', '-sd', dir];
    const proc = spawn(NATS_BIN, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    child = proc;
    proc.stdout!.on('data', (b: Buffer) =>
      b
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => logs.push(l)),
    );
    proc.stderr!.on('data', (b: Buffer) =>
      b
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => logs.push(l)),
    );
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    await waitForPort(port, 20_000, running, 'nats-server', () => logs.tail(5).join('\n'));
    // /healthz answers 200 once JetStream has recovered its streams.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${monitor}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`nats-server on ${port} not healthy: ${logs.tail(20).join('\n')}`);
      await sleep(50);
    }
  };
  const down = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!running()) return;
    const proc = child!;
    const escalate = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    proc.kill(signal);
    await exited;
    clearTimeout(escalate);
  };

  await up();
  const removeDirs = () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  };
  const forget = onExit(() => {
    child?.kill('SIGKILL');
    removeDirs();
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    down,
    up,
    async restart() {
      await down('SIGTERM');
      await up();
    },
    async kill() {
      await down('SIGKILL');
      await up();
    },
    async stop(signal = 'SIGTERM') {
      forget();
      await down(signal);
      removeDirs();
    },
    get running() {
      return running();
    },
    async reload(config) {
      if (!configDir || !running()) throw new Error('reload needs a running server started with a config');
      const before = logs.tail().filter((l) => l.includes('Reloaded server configuration')).length;
      writeFileSync(join(configDir, 'nats-server.conf'), config, { mode: 0o600 });
      child!.kill('SIGHUP');
      const deadline = Date.now() + 10_000;
      while (logs.tail().filter((l) => l.includes('Reloaded server configuration')).length === before) {
        if (Date.now() > deadline) throw new Error(`nats-server did not reload: ${logs.tail(5).join('\n')}`);
        await sleep(20);
      }
    },
    logs: (lines) => logs.tail(lines),
  };
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** `pg_ctl restart -m <mode>`: fast (default) rolls back sessions and checkpoints; immediate skips the checkpoint (crash recovery on start). */
  restart(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** SIGKILL to the postmaster and every backend, then start again (crash recovery from the WAL). */
  kill(): Promise<void>;
  /** `pg_ctl stop -m <mode>` (default fast): the cluster stays down until up(). */
  down(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts a cluster that is down, on the same port and data directory. */
  up(): Promise<void>;
  /** Stops the cluster and removes its data directory. */
  stop(): Promise<void>;
  /** Creates a database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  logs(lines?: number): string[];
}

function pgBin(name: string): string {
  for (const dir of PG_BIN_DIRS) if (existsSync(join(dir, name))) return join(dir, name);
  if (name === 'pg_ctl' && existsSync('/usr/local/bin/pg_ctl')) return '/usr/local/bin/pg_ctl';
  throw new Error(`${name} not found in ${PG_BIN_DIRS.join(', ')}`);
}

/** Runs a PostgreSQL binary as the postgres user (PostgreSQL refuses to run as root). */
function asPostgres(bin: string, args: string[], timeoutMs = 60_000): string {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) {
    throw new Error(
      `${[bin, ...args].join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`,
    );
  }
  return result.stdout;
}

/** Same, without blocking the event loop (restarts happen while load runs). */
function asPostgresAsync(bin: string, args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${[bin, ...args].join(' ')} failed (${code}): ${out}`)),
    );
  });
}

/** A throwaway PostgreSQL cluster: initdb into a temporary directory owned by postgres, trust auth, fsync on. */
export async function startPostgres(options: { port?: number } = {}): Promise<PostgresServer> {
  const port = options.port ?? (await freePort());
  const base = mkdtempSync(join(tmpdir(), 'chaos-pg-'));
  const dataDir = join(base, 'data');
  const logFile = join(base, 'server.log');
  const pgUser = process.getuid?.() === 0 ? userIds('postgres') : undefined;
  if (pgUser) chownSync(base, pgUser.uid, pgUser.gid);
  const pgCtl = pgBin('pg_ctl');
  // Always passed explicitly: a plain `pg_ctl start` would fall back to port 5432, the shared server's.
  const serverOptions = [
    `-p ${port}`,
    '-k /tmp',
    '-c listen_addresses=127.0.0.1',
    '-c fsync=on',
    '-c max_connections=300',
    '-c synchronous_commit=on',
    '-c full_page_writes=on',
  ].join(' ');
  try {
    asPostgres(pgBin('initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions']);
    await asPostgresAsync(pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', serverOptions]);
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const forget = onExit(() => {
    try {
      asPostgres(pgCtl, ['stop', '-w', '-t', '10', '-m', 'immediate', '-D', dataDir], 15_000);
    } catch {
      // already down
    }
    rmSync(base, { recursive: true, force: true });
  });

  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const waitAccepting = async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const client = new Client({ connectionString: url });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`PostgreSQL on ${port} is not accepting connections`);
        await sleep(100);
      }
    }
  };

  return {
    url,
    port,
    dataDir,
    async restart(mode = 'fast') {
      await asPostgresAsync(pgCtl, [
        'restart',
        '-w',
        '-t',
        '60',
        '-m',
        mode,
        '-D',
        dataDir,
        '-l',
        logFile,
        '-o',
        serverOptions,
      ]);
      await waitAccepting();
    },
    async kill() {
      const pid = postmasterPid();
      if (pid) {
        const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean)
          .map(Number);
        for (const p of [pid, ...children]) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // gone already
          }
        }
        const deadline = Date.now() + 10_000;
        while ([pid, ...children].some(alive) && Date.now() < deadline) await sleep(20);
      }
      // postmaster.pid is stale now; pg_ctl start notices the dead pid and starts with crash recovery.
      await asPostgresAsync(pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', serverOptions]);
      await waitAccepting();
    },
    async down(mode = 'fast') {
      await asPostgresAsync(pgCtl, ['stop', '-w', '-t', '60', '-m', mode, '-D', dataDir]);
    },
    async up() {
      await asPostgresAsync(pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', serverOptions]);
      await waitAccepting();
    },
    async stop() {
      forget();
      try {
        await asPostgresAsync(pgCtl, ['stop', '-w', '-t', '30', '-m', 'immediate', '-D', dataDir]);
      } catch {
        const pid = postmasterPid();
        if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      }
      rmSync(base, { recursive: true, force: true });
    },
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name ${name}`);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    logs(lines = 200) {
      try {
        return readFileSync(logFile, 'utf8').split('\n').filter(Boolean).slice(-lines);
      } catch {
        return [];
      }
    },
  };
}

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no user ${name}: PostgreSQL cannot run as root`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
