#!/usr/bin/env node
// Installs node_modules exactly as package-lock.json says: `npm ci`, with one workaround.
//
// The registry these machines reach has no builds for other platforms (e.g. @swc/core-darwin-arm64 is a
// 404). npm 11 then cannot put those optional packages in the lock and `npm ci` rejects every lock with
// "Missing: @swc/core-darwin-arm64@ from lock file" (note the empty version; npm/cli#9846). Only in that
// case we run `npm install` instead, which installs the locked versions, and fail (CI) or warn (locally)
// if it had to change package-lock.json. Any other `npm ci` failure is a real one.
//
//   node scripts/install.mjs          (CI)
//   import { installIfNeeded } from './install.mjs'   (npm test / npm start: only when needed)
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BIN, ROOT, say } from './lib/common.mjs';

const LOCK = path.join(ROOT, 'package-lock.json');
const NPM_FLAGS = ['--no-audit', '--no-fund'];

/** Runs npm with output shown and kept; resolves { code, output }. */
function npm(args) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn('npm', [...args, ...NPM_FLAGS], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (stream) => (d) => {
      stream.write(d);
      if (output.length < 1_000_000) output += d;
    };
    child.stdout.on('data', keep(process.stdout));
    child.stderr.on('data', keep(process.stderr));
    child.on('error', (e) => resolve({ code: 127, output: String(e) }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** True when npm ci failed only because optional packages the registry doesn't have are not in the lock. */
function onlyUnavailableOptionals(output) {
  if (!/code EUSAGE/.test(output)) return false;
  const problems = output.split('\n').filter((l) => /^npm error (Missing|Invalid): /.test(l));
  return problems.length > 0 && problems.every((l) => /^npm error Missing: \S+@ from lock file/.test(l));
}

export class InstallError extends Error {}

export async function cleanInstall() {
  const ci = await npm(['ci']);
  if (ci.code === 0) return;
  if (!onlyUnavailableOptionals(ci.output)) throw new InstallError(`npm ci failed (exit ${ci.code})`);
  say('npm ci rejected the lock only for optional packages this registry lacks (npm/cli#9846): npm install instead');
  const before = fs.readFileSync(LOCK, 'utf8');
  const inst = await npm(['install']);
  if (inst.code !== 0) throw new InstallError(`npm install failed (exit ${inst.code})`);
  if (fs.readFileSync(LOCK, 'utf8') !== before) {
    const msg =
      'package-lock.json is out of sync with package.json (npm install changed it): run `npm install` and commit package-lock.json';
    if (process.env.CI) {
      fs.writeFileSync(LOCK, before);
      throw new InstallError(msg);
    }
    say(`WARNING: ${msg}`);
  }
}

/** True when node_modules is missing or package-lock.json changed after the last install. */
export function needsInstall() {
  const hidden = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(path.join(BIN, 'tsc')) || !fs.existsSync(hidden)) return true;
  return fs.statSync(LOCK).mtimeMs > fs.statSync(hidden).mtimeMs + 2000;
}

/** Installs when needed; exits the process on failure. */
export async function installIfNeeded() {
  if (!needsInstall()) return;
  say('node_modules missing or older than package-lock.json: installing');
  try {
    await cleanInstall();
  } catch (e) {
    say(`ERROR: ${e.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  cleanInstall().catch((e) => {
    say(`ERROR: ${e.message}`);
    process.exit(1);
  });
}
