#!/usr/bin/env node
// Makes sure the local services Clawfleet needs are up: NATS with JetStream (127.0.0.1:4222),
// PostgreSQL (127.0.0.1:5432, user postgres, trust) with database `clawfleet`, and optionally a
// Docker engine. As root it installs what is missing with apt, creates PostgreSQL's cluster on port
// 5432 when there is none, and starts what is installed but not running; not as root it prints the
// one command to run (`sudo node scripts/services.mjs`). Node built-ins only: runs on the machine's
// Node (Debian's 18 will do) before `npm ci`. Needs no init system (containers, chroots).
//
//   node scripts/services.mjs [--docker] [--db <name>]
//   node scripts/services.mjs --install-only [--docker]   (install and set up, start nothing: images)
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
// Child processes (apt's postinst, pg_createcluster, psql) get a locale every Debian has: with none,
// initdb makes a SQL_ASCII cluster; with one that is not installed (LANG=en_US.UTF-8 on a bare
// machine), pg_createcluster refuses and apt installs PostgreSQL without a cluster.
const CHILD_ENV = { ...process.env, LC_ALL: 'C.UTF-8' };
const SELF = fileURLToPath(import.meta.url);
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
function run(cmd, args, { timeoutMs = 15_000, env = CHILD_ENV } = {}) {
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

/** What only root can fix; ensureServices gathers these into one command for the user to run. */
export class NeedsRoot extends ServiceError {
  constructor(message, { notInstalled = false } = {}) {
    super(message);
    this.notInstalled = notInstalled;
  }
}

/** The one command that installs, configures and starts everything, as root. */
export function rootCommand({ docker = false } = {}) {
  const cmd = `node ${SELF}${docker ? ' --docker' : ''}`;
  return which('sudo') ? `sudo ${cmd}` : `su -c '${cmd}'`;
}

const shell = (argv) => argv.map((a) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`)).join(' ');

/** Runs a start command as root, or fails with NeedsRoot. */
async function startAsRoot(name, argv) {
  const shown = shell(argv);
  if (!isRoot()) throw new NeedsRoot(`${name} is installed but not running`);
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
  if (pgServerVersions().length === 0 || !which('pg_ctlcluster') || !which('psql')) missing.push('postgresql');
  if (docker && !(which('dockerd') && which('docker'))) missing.push('docker.io');
  return missing;
}

/**
 * Installs the missing service packages with apt-get as root; otherwise fails with NeedsRoot. A
 * PostgreSQL installed here gets its cluster on port 5432 with trust authentication for local
 * connections, which the scripts and tests use (Debian's default asks for a password over TCP, and
 * puts a new cluster on 5433 when something holds 5432 while it installs).
 */
async function installMissing(opts) {
  const missing = missingPackages(opts);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot()) throw new NeedsRoot(`not installed: ${missing.join(', ')}`);
  if (!which('apt-get'))
    throw new ServiceError(`not installed: ${missing.join(', ')}, and there is no apt-get to install them`);
  log(`installing ${missing.join(', ')} (apt-get)`);
  const env = { ...CHILD_ENV, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await run('apt-get', ['update', '-qq'], { timeoutMs: 300_000, env });
  if (update.code !== 0)
    throw new ServiceError(`apt-get update failed (exit ${update.code}): ${update.out.slice(-2000)}`);
  const install = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    timeoutMs: 900_000,
    env,
  });
  if (install.code !== 0)
    throw new ServiceError(`${command} failed (exit ${install.code}): ${install.out.slice(-2000)}`);
  if (missing.includes('postgresql')) await claimFreshCluster();
}

/** The PostgreSQL server versions installed (/usr/lib/postgresql/<v>/bin/postgres), newest first. */
function pgServerVersions() {
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v) && exists(`/usr/lib/postgresql/${v}/bin/postgres`))
      .sort((a, b) => b - a);
  } catch {
    return [];
  }
}

/** Debian's clusters, from `pg_lsclusters -j`: [{ version, name, port, running }]. */
async function pgClusters() {
  const r = await run('pg_lsclusters', ['-j']);
  if (r.code !== 0) throw new ServiceError(`pg_lsclusters failed (exit ${r.code}): ${r.out}`);
  try {
    return (JSON.parse(r.out || '[]') ?? []).map((c) => ({
      version: String(c.version),
      name: String(c.cluster),
      port: Number(c.port),
      running: Boolean(c.running),
    }));
  } catch {
    throw new ServiceError(`pg_lsclusters -j printed no JSON: ${r.out.slice(0, 500)}`);
  }
}

const hbaFile = (c) => `/etc/postgresql/${c.version}/${c.name}/pg_hba.conf`;
const TRUST_LOCAL = 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n';

async function pgRootStep(what, cmd, args) {
  const r = await run(cmd, args, { timeoutMs: WAIT_MS * 2 });
  if (r.code !== 0) throw new ServiceError(`${what} failed (exit ${r.code}): ${shell([cmd, ...args])}\n${r.out}`);
}

/** As root: a `main` cluster of the newest server on port 5432, UTF-8, trust for local connections. */
async function createCluster() {
  const version = pgServerVersions()[0];
  log(`creating PostgreSQL cluster ${version}/main on port ${PG_PORT}`);
  await pgRootStep('creating the PostgreSQL cluster', 'pg_createcluster', [
    '--port',
    String(PG_PORT),
    '--locale',
    'C.UTF-8',
    version,
    'main',
  ]);
  fs.writeFileSync(hbaFile({ version, name: 'main' }), TRUST_LOCAL);
}

/**
 * Right after apt installed PostgreSQL (as root): its cluster is ours to set up. apt made it, or
 * not (no valid locale), on 5432, or on 5433 when another server held 5432, and may have started it.
 */
async function claimFreshCluster() {
  const clusters = await pgClusters();
  if (clusters.length === 0) return createCluster();
  const c = clusters.find((x) => x.name === 'main') ?? clusters[0];
  fs.writeFileSync(hbaFile(c), TRUST_LOCAL);
  const ctl = (action) =>
    pgRootStep(`${action} PostgreSQL ${c.version}/${c.name}`, 'pg_ctlcluster', [
      '--skip-systemctl-redirect',
      c.version,
      c.name,
      action,
    ]);
  if (c.port !== PG_PORT) {
    log(`moving the new PostgreSQL cluster ${c.version}/${c.name} from port ${c.port} to ${PG_PORT}`);
    if (c.running) await ctl('stop');
    await pgRootStep('setting the port', 'pg_conftool', [c.version, c.name, 'set', 'port', String(PG_PORT)]);
  } else if (c.running) await ctl('reload');
}

async function ensureNats() {
  let info = await probeNats();
  if (!info.ok) {
    if (await probeTcp(NATS_PORT)) throw new ServiceError(`something that is not NATS listens on ${HOST}:${NATS_PORT}`);
    if (!exists('/usr/sbin/nats-server'))
      throw new NeedsRoot('NATS is not running and not installed', { notInstalled: true });
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

async function ensurePostgres(database) {
  if (!(await probePostgres())) {
    if (pgServerVersions().length === 0 || !which('pg_ctlcluster')) {
      throw new NeedsRoot('PostgreSQL is not running and not installed', { notInstalled: true });
    }
    const clusters = await pgClusters();
    let cluster = clusters.find((c) => c.port === PG_PORT);
    if (!cluster) {
      const others = clusters.map((c) => `${c.version}/${c.name} on port ${c.port}`);
      if (others.length) {
        throw new ServiceError(
          `no PostgreSQL cluster is set to port ${PG_PORT} (there is ${others.join(', ')}). Move one, as root:\n` +
            `  pg_conftool <version> <cluster> set port ${PG_PORT}`,
        );
      }
      if (!isRoot()) throw new NeedsRoot('PostgreSQL is installed but has no cluster');
      await createCluster();
      cluster = { version: pgServerVersions()[0], name: 'main', port: PG_PORT };
    }
    const { version, name } = cluster;
    await startAsRoot('PostgreSQL', ['pg_ctlcluster', '--skip-systemctl-redirect', version, name, 'start']);
    await waitFor('PostgreSQL', probePostgres, `See /var/log/postgresql/postgresql-${version}-${name}.log.`);
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
  const sql = `SELECT current_setting('server_encoding'), (SELECT count(*) FROM pg_database WHERE datname='${name}')`;
  const q = await run('psql', [...conn, '-d', 'postgres', '-tAF', ' ', '-c', sql]);
  if (q.code !== 0) throw new ServiceError(`cannot query PostgreSQL as user postgres (trust auth expected): ${q.out}`);
  const [encoding, count] = q.out.split(' ');
  if (encoding !== 'UTF8')
    log(`WARNING: PostgreSQL's encoding is ${encoding}, not UTF8: non-ASCII text in JSON will be rejected`);
  if (count === '1') return;
  log(`creating database ${name}`);
  const c = await run('createdb', [...conn, name]);
  if (c.code !== 0 && !/already exists/.test(c.out)) throw new ServiceError(`createdb ${name} failed: ${c.out}`);
}

async function ensureDocker() {
  const dockerUp = async () => (await run('docker', ['info'], { timeoutMs: 5000 })).code === 0;
  if (!which('docker')) throw new NeedsRoot('docker is not installed', { notInstalled: true });
  if (await dockerUp()) return;
  if (!which('dockerd')) throw new NeedsRoot('the Docker engine is not installed', { notInstalled: true });
  if (!isRoot()) throw new NeedsRoot('the Docker engine is not running');
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
  let notInstalled = null; // not root: still check what runs, a service may answer from elsewhere
  try {
    await installMissing({ docker, nats });
  } catch (e) {
    if (!(e instanceof NeedsRoot)) throw e;
    notInstalled = e;
  }
  const results = await Promise.allSettled([
    nats ? ensureNats() : null,
    ensurePostgres(database),
    docker ? ensureDocker() : null,
  ]);
  const errors = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (errors.length === 0) return;
  const needRoot = errors.filter((e) => e instanceof NeedsRoot && !(notInstalled && e.notInstalled));
  const lines = errors
    .filter((e) => !(e instanceof NeedsRoot))
    .map((e) => (e instanceof ServiceError ? e.message : (e?.stack ?? String(e))));
  if (notInstalled) needRoot.unshift(notInstalled);
  if (needRoot.length) {
    lines.push(
      `${needRoot.map((e) => e.message).join('; ')}. As root, this installs, sets up and starts what is needed:\n` +
        `  ${rootCommand({ docker })}`,
    );
  }
  throw new ServiceError(lines.join('\n'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const args = process.argv.slice(2);
  const dbAt = args.indexOf('--db');
  const docker = args.includes('--docker');
  const started = Date.now();
  const done = args.includes('--install-only')
    ? installMissing({ docker, nats: true }).then(() => `installed and set up (${Date.now() - started} ms)`)
    : ensureServices({ docker, database: dbAt >= 0 ? args[dbAt + 1] : 'clawfleet' }).then(
        () => `NATS (JetStream), PostgreSQL${docker ? ', Docker' : ''} ready (${Date.now() - started} ms)`,
      );
  done.then(log, (e) => {
    log(
      `ERROR: ${e instanceof NeedsRoot ? `${e.message}. As root:\n  ${rootCommand({ docker })} --install-only` : e.message}`,
    );
    process.exit(1);
  });
}
