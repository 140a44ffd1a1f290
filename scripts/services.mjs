#!/usr/bin/env node
// Makes sure the local services Clawfleet needs are up: NATS with JetStream (127.0.0.1:4222),
// PostgreSQL (127.0.0.1:5432, user postgres, trust) with database `clawfleet`, and optionally a
// Docker engine. Installs what is missing with apt and starts a service that is installed but not
// running, as root; otherwise prints the one command to run. Node built-ins only: runs on the
// machine's node 20 before `npm ci`.
//
//   node scripts/services.mjs [--docker] [--db <name>]
//   import { ensureServices } from './services.mjs'; await ensureServices({ docker: false });
import net from 'node:net';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
const NATS_PORT = 4222;
const PG_PORT = 5432;
const WAIT_MS = 30_000;
const DOCKERD_LOG = '/tmp/clawfleet-dockerd.log';
// The commands the machine itself uses. NATS gets a pidfile so that start-stop-daemon is not fooled by
// another nats-server (a chaos test's own instance on a free port) into thinking ours is running.
const NATS_START = (
  'start-stop-daemon --start --oknodo --background --pidfile /run/clawfleet-nats-server.pid --make-pidfile ' +
  `--exec /usr/sbin/nats-server -- -a ${HOST} -p ${NATS_PORT} -js -sd /var/lib/nats-server -l /var/log/nats-server.log`
).split(' ');

export class ServiceError extends Error {}

const log = (msg) => process.stderr.write(`[services] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const exists = (p) => {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    if (dir && exists(`${dir}/${cmd}`)) return `${dir}/${cmd}`;
  }
  return null;
}

/** Runs a command without stdin; resolves { code, out } (never rejects; code 127 when it can't start). */
function run(cmd, args, { timeoutMs = 15_000, env = process.env } = {}) {
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    } catch (e) {
      return resolve({ code: 127, out: String(e) });
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, out: String(e) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out: out.trim() });
    });
  });
}

/** Connects to NATS and reads its INFO line: { ok, jetstream } (ok=false when nothing answers like NATS). */
function probeNats(timeoutMs = 1000) {
  return new Promise((resolve) => {
    let buf = '';
    const sock = net.connect({ host: HOST, port: NATS_PORT });
    const done = (r) => {
      sock.destroy();
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false }), timeoutMs);
    sock.on('error', () => done({ ok: false }));
    sock.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const m = /^INFO\s+(\{.*\})/.exec(buf.slice(0, nl));
      try {
        done(m ? { ok: true, jetstream: JSON.parse(m[1]).jetstream === true } : { ok: false });
      } catch {
        done({ ok: false });
      }
    });
  });
}

function probeTcp(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    const done = (ok) => {
      sock.destroy();
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('connect', () => done(true));
    sock.on('error', () => done(false));
  });
}

async function probePostgres() {
  if (which('pg_isready'))
    return (await run('pg_isready', ['-q', '-h', HOST, '-p', String(PG_PORT), '-t', '2'])).code === 0;
  return probeTcp(PG_PORT);
}

async function waitFor(name, probe, hint) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(300);
  }
  throw new ServiceError(`${name} did not become reachable within ${WAIT_MS / 1000} s. ${hint}`);
}

/** Runs a start command as root, or fails with the exact command for the user to run. */
async function startAsRoot(name, argv) {
  const shown = argv.map((a) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`)).join(' ');
  if (!isRoot()) throw new ServiceError(`${name} is not running. Start it as root:\n  sudo ${shown}`);
  log(`${name} is not running; starting it: ${shown}`);
  const r = await run(argv[0], argv.slice(1), { timeoutMs: WAIT_MS });
  if (r.code === 0) return;
  const why = /already running/i.test(r.out)
    ? ' (it runs, but does not answer on 127.0.0.1: check its configuration and log)'
    : '';
  throw new ServiceError(`starting ${name} failed (exit ${r.code}): ${r.out}${why}`);
}

/** The Debian packages of the services asked for that are not installed. */
function missingPackages({ docker, nats }) {
  const missing = [];
  if (nats && !exists('/usr/sbin/nats-server') && !which('nats-server')) missing.push('nats-server');
  if (!pgVersion() || !which('pg_ctlcluster')) missing.push('postgresql');
  if (docker && !(which('dockerd') && which('docker'))) missing.push('docker.io');
  return missing;
}

/**
 * Installs the missing service packages with apt-get as root; otherwise fails with the one command
 * to run. A PostgreSQL installed here gets trust authentication for local connections, which the
 * scripts and tests use (Debian's default asks for a password over TCP).
 */
async function installMissing(opts) {
  const missing = missingPackages(opts);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot() || !which('apt-get'))
    throw new ServiceError(`not installed: ${missing.join(', ')}. Install them with:\n  sudo ${command}`);
  log(`installing ${missing.join(', ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run('apt-get', ['update', '-qq'], { timeoutMs: 300_000, env });
  if (update.code !== 0) throw new ServiceError(`apt-get update failed (exit ${update.code}): ${update.out.slice(-2000)}`);
  const install = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    timeoutMs: 900_000,
    env,
  });
  if (install.code !== 0) throw new ServiceError(`${command} failed (exit ${install.code}): ${install.out.slice(-2000)}`);
  if (missing.includes('postgresql')) await trustLocalConnections();
}

async function trustLocalConnections() {
  const version = pgVersion();
  if (!version) throw new ServiceError('postgresql installed, but no cluster in /etc/postgresql');
  fs.writeFileSync(
    `/etc/postgresql/${version}/main/pg_hba.conf`,
    'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n',
  );
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'reload']);
}

async function ensureNats() {
  let info = await probeNats();
  if (!info.ok) {
    if (await probeTcp(NATS_PORT)) throw new ServiceError(`something that is not NATS listens on ${HOST}:${NATS_PORT}`);
    if (!exists('/usr/sbin/nats-server'))
      throw new ServiceError('NATS is not running and not installed: apt-get install -y nats-server');
    if (isRoot()) fs.mkdirSync('/var/lib/nats-server', { recursive: true });
    await startAsRoot('NATS', NATS_START);
    await waitFor('NATS', async () => (await probeNats()).ok, 'See /var/log/nats-server.log.');
    info = await probeNats();
  }
  if (!info.jetstream) {
    throw new ServiceError(
      `NATS on ${HOST}:${NATS_PORT} runs without JetStream; restart it with -js:\n  ${NATS_START.join(' ')}`,
    );
  }
}

function pgVersion() {
  try {
    return (
      fs
        .readdirSync('/etc/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => b - a)[0] ?? null
    );
  } catch {
    return null;
  }
}

async function ensurePostgres(database) {
  if (!(await probePostgres())) {
    const version = pgVersion();
    if (!version || !which('pg_ctlcluster')) {
      throw new ServiceError('PostgreSQL is not running and not installed: apt-get install -y postgresql');
    }
    await startAsRoot('PostgreSQL', ['pg_ctlcluster', '--skip-systemctl-redirect', version, 'main', 'start']);
    await waitFor('PostgreSQL', probePostgres, `See /var/log/postgresql/postgresql-${version}-main.log.`);
  }
  if (database) await ensureDatabase(database);
}

async function ensureDatabase(name) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ServiceError(`bad database name: ${name}`);
  if (!which('psql')) {
    log(`psql not found; cannot check that database "${name}" exists (apt-get install -y postgresql-client)`);
    return;
  }
  const conn = ['-h', HOST, '-p', String(PG_PORT), '-U', 'postgres', '-w'];
  const q = await run('psql', [...conn, '-d', 'postgres', '-tAc', `SELECT 1 FROM pg_database WHERE datname='${name}'`]);
  if (q.code !== 0) throw new ServiceError(`cannot query PostgreSQL as user postgres (trust auth expected): ${q.out}`);
  if (q.out === '1') return;
  log(`creating database ${name}`);
  const c = await run('createdb', [...conn, name]);
  if (c.code !== 0 && !/already exists/.test(c.out)) throw new ServiceError(`createdb ${name} failed: ${c.out}`);
}

async function ensureDocker() {
  const dockerUp = async () => (await run('docker', ['info'], { timeoutMs: 5000 })).code === 0;
  if (!which('docker')) throw new ServiceError('docker is not installed: apt-get install -y docker.io');
  if (await dockerUp()) return;
  if (!which('dockerd')) throw new ServiceError('the Docker engine is not installed: apt-get install -y docker.io');
  if (!isRoot())
    throw new ServiceError(
      `the Docker engine is not running. Start it as root:\n  sudo dockerd > ${DOCKERD_LOG} 2>&1 &`,
    );
  log(`Docker engine is not running; starting dockerd (log: ${DOCKERD_LOG})`);
  const logFd = fs.openSync(DOCKERD_LOG, 'a');
  const child = spawn(which('dockerd'), [], { detached: true, stdio: ['ignore', logFd, logFd] });
  child.on('error', () => {});
  child.unref();
  fs.closeSync(logFd);
  await waitFor('Docker engine', dockerUp, `See ${DOCKERD_LOG}.`);
}

/**
 * Installs what is missing (as root, with apt), checks and where possible starts NATS+JetStream and PostgreSQL, creates the database, and with
 * docker: true the Docker engine (nats: false skips NATS; database: null skips the database). Throws ServiceError with a message meant for a human.
 */
export async function ensureServices({ docker = false, nats = true, database = 'clawfleet' } = {}) {
  await installMissing({ docker, nats });
  const results = await Promise.allSettled([
    nats ? ensureNats() : null,
    ensurePostgres(database),
    docker ? ensureDocker() : null,
  ]);
  const errors = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (errors.length === 0) return;
  const text = errors.map((e) => (e instanceof ServiceError ? e.message : (e?.stack ?? String(e)))).join('\n');
  throw new ServiceError(text);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const args = process.argv.slice(2);
  const dbAt = args.indexOf('--db');
  const started = Date.now();
  ensureServices({ docker: args.includes('--docker'), database: dbAt >= 0 ? args[dbAt + 1] : 'clawfleet' }).then(
    () =>
      log(
        `NATS (JetStream), PostgreSQL${args.includes('--docker') ? ', Docker' : ''} ready (${Date.now() - started} ms)`,
      ),
    (e) => {
      log(`ERROR: ${e.message}`);
      process.exit(1);
    },
  );
}
