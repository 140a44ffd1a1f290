// Helpers shared by scripts/*.mjs: repo paths, the local toolchain (node 24 from node_modules/.bin),
// the build, .env loading and the list of apps.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'node_modules', '.bin');

/** The six services, in start order, with their default ports. */
export const APPS = [
  { name: 'channel-gateway', port: 8080 },
  { name: 'router', port: 8081 },
  { name: 'session-runner', port: 8082 },
  { name: 'scheduler', port: 8083 },
  { name: 'delivery', port: 8084 },
  { name: 'admin-api', port: 8085 },
];
/** channel-gateway -> CHANNEL_GATEWAY_PORT */
export const portVar = (app) => `${app.toUpperCase().replace(/-/g, '_')}_PORT`;

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/clawfleet';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export const say = (msg) => process.stderr.write(`[clawfleet] ${msg}\n`);

/** process.env with node_modules/.bin first on PATH, so `node`, `tsc` and `jest` are the project's (node 24). */
export function localEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  return { ...env, PATH: `${BIN}${path.delimiter}${env.PATH ?? ''}` };
}

/** Runs a command with inherited stdio; resolves its exit code (signals are reported as 128+n). */
export function run(cmd, args, { env = localEnv(), cwd = ROOT } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('error', (e) => {
      say(`cannot run ${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? 128 + ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 1));
    });
  });
}

/** Like run, but exits the process when the command fails. */
export async function runOrExit(what, cmd, args, opts) {
  const code = await run(cmd, args, opts);
  if (code !== 0) {
    say(`${what} failed (exit ${code})`);
    process.exit(code);
  }
}

export async function build() {
  await runOrExit('build (tsc -b tsconfig.build.json)', 'tsc', ['-b', 'tsconfig.build.json']);
}

/** Loads KEY=VALUE lines from <repo>/.env into process.env; variables already set win. */
export function loadDotEnv(file = path.join(ROOT, '.env')) {
  if (!fs.existsSync(file)) return [];
  const loaded = [];
  for (const raw of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m || raw.trimStart().startsWith('#')) continue;
    let value = m[2];
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2];
    else value = value.replace(/\s+#.*$/, ''); // trailing comment on an unquoted value
    if (process.env[m[1]] === undefined) {
      process.env[m[1]] = value;
      loaded.push(m[1]);
    }
  }
  return loaded;
}

/** The database name in a postgres URL when it points at the local server (so services.mjs can create it). */
export function localDatabaseName(url) {
  try {
    const u = new URL(url);
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) || (u.port && u.port !== '5432')) return null;
    return decodeURIComponent(u.pathname.slice(1)) || null;
  } catch {
    return null;
  }
}
