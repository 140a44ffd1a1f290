#!/usr/bin/env node
// `npm start [-- --fake-model] [-- --no-chat]`: install if needed, start NATS/PostgreSQL, build, run the
// six apps (logs in .clawfleet/logs/, sandbox workspaces in .clawfleet/workspaces/; Docker and the sandbox
// image when it can) and chat with the default agent in the terminal.
import fs from 'node:fs';
import path from 'node:path';
import { ensureServices } from './services.mjs';
import { ensureSandboxImage } from './sandbox-image.mjs';
import { installIfNeeded } from './install.mjs';
import {
  APPS,
  DEFAULT_DATABASE_URL,
  DEFAULT_NATS_URL,
  ROOT,
  build,
  loadDotEnv,
  localDatabaseName,
  portVar,
  say,
} from './lib/common.mjs';
import {
  killAllNow,
  portFree,
  running,
  startApp,
  startFakeModel,
  stopAll,
  tail,
  waitReady,
  watchExits,
} from './lib/stack.mjs';
import { chat } from './lib/chat.mjs';
import { randomBytes } from 'node:crypto';

const ADMIN_KEY_FILE = path.join(ROOT, '.clawfleet', 'admin-key');
const ADMIN_KEY_FILE_SHOWN = path.relative(process.cwd(), ADMIN_KEY_FILE) || ADMIN_KEY_FILE;
const CREDENTIALS_KEYS_FILE = path.join(ROOT, '.clawfleet', 'credentials-keys');

// Provider keys reach session-runner alone; the admin bootstrap key, admin-api alone.
const SECRET_OWNERS = {
  MODEL_API_KEY: 'session-runner',
  OPENAI_API_KEY: 'session-runner',
  ANTHROPIC_API_KEY: 'session-runner',
  ADMIN_BOOTSTRAP_KEY: 'admin-api',
  CREDENTIALS_KEYS: 'admin-api',
};
function withoutSecrets(env, app) {
  const out = { ...env };
  for (const [name, owner] of Object.entries(SECRET_OWNERS)) if (owner !== app) delete out[name];
  return out;
}

/** A platform admin key for this checkout, made on first start and readable by its owner only. */
function localAdminKey() {
  if (fs.existsSync(ADMIN_KEY_FILE)) return fs.readFileSync(ADMIN_KEY_FILE, 'utf8').trim();
  const key = `cf_bootstrap_${randomBytes(32).toString('base64url')}`;
  fs.mkdirSync(path.dirname(ADMIN_KEY_FILE), { recursive: true });
  fs.writeFileSync(ADMIN_KEY_FILE, `${key}\n`, { mode: 0o600 });
  return key;
}

/** The key ring sealing channel credentials for this checkout, made on first start (decision 16). */
function localCredentialsKeys() {
  if (fs.existsSync(CREDENTIALS_KEYS_FILE)) return fs.readFileSync(CREDENTIALS_KEYS_FILE, 'utf8').trim();
  const ring = `k1:${randomBytes(32).toString('base64')}`;
  fs.mkdirSync(path.dirname(CREDENTIALS_KEYS_FILE), { recursive: true });
  fs.writeFileSync(CREDENTIALS_KEYS_FILE, `${ring}\n`, { mode: 0o600 });
  return ring;
}

const args = process.argv.slice(2);
const known = ['--fake-model', '--no-chat'];
const unknown = args.filter((a) => !known.includes(a));
if (unknown.length) {
  say(`unknown option(s): ${unknown.join(' ')}. Usage: npm start [-- --fake-model] [--no-chat]`);
  process.exit(2);
}
const fakeModel = args.includes('--fake-model');
const interactive = !args.includes('--no-chat') && process.stdin.isTTY && process.stdout.isTTY;

// ---- shutdown: one path for Ctrl-C, SIGTERM, /quit and failures --------------------------------
let shuttingDown = false;
async function shutdown(code, why) {
  if (shuttingDown) return new Promise(() => {}); // the first call exits the process
  shuttingDown = true;
  if (why) say(why);
  if (running()) say('stopping (SIGTERM, SIGKILL after 10 s; Ctrl-C again to kill now)');
  await stopAll(10_000);
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => (shuttingDown ? killAllNow() : shutdown(sig === 'SIGINT' ? 130 : 143, `${sig} received`)));
}
const fail = (msg) => shutdown(1, `ERROR: ${msg}`);
/** Stops the start-up sequence here when a signal arrived meanwhile. */
const checkpoint = () => (shuttingDown ? new Promise(() => {}) : undefined);

// ---- configuration -------------------------------------------------------------------------------
const fromDotEnv = loadDotEnv();
if (fromDotEnv.length) say(`.env: ${fromDotEnv.join(', ')}`);
const env = {
  DATABASE_URL: DEFAULT_DATABASE_URL,
  NATS_URL: DEFAULT_NATS_URL,
  DB_MIGRATE_ON_BOOT: 'true',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  ...process.env,
};
// The admin API's bootstrap key goes to admin-api alone: set, or generated once per checkout.
const adminKey = env.ADMIN_BOOTSTRAP_KEY || localAdminKey();
delete env.ADMIN_BOOTSTRAP_KEY;
const credentialsKeys = env.CREDENTIALS_KEYS || localCredentialsKeys();
delete env.CREDENTIALS_KEYS;
const ports = Object.fromEntries(APPS.map(({ name, port }) => [name, Number(env[portVar(name)] ?? port)]));
for (const [name, port] of Object.entries(ports)) {
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    await fail(`${portVar(name)}=${env[portVar(name)]} is not a port`);
}

// ---- install, services, build --------------------------------------------------------------------
await installIfNeeded();
try {
  await ensureServices({ docker: false, database: localDatabaseName(env.DATABASE_URL) });
} catch (e) {
  await fail(`services are not available:\n${e.message}`);
}
// The agent's tools run in a Docker container per session: without an engine or the image the
// platform still starts, and those tools answer that the sandbox is not available.
try {
  await ensureServices({ docker: true, nats: false, database: null });
  await ensureSandboxImage();
} catch (e) {
  say(`sandbox tools will not work: ${e.message}`);
}
env.SANDBOX_WORKSPACE_ROOT ??= path.join(ROOT, '.clawfleet', 'workspaces');
env.SANDBOX_WARM_POOL ??= '2';
await checkpoint();
say('building (tsc -b tsconfig.build.json)');
await build();
const missing = APPS.map(({ name }) => path.join('apps', name, 'dist', 'main.js')).filter(
  (f) => !fs.existsSync(path.join(ROOT, f)),
);
if (missing.length) {
  await fail(
    `the build produced no ${missing.join(', ')}.\nEach app needs src/main.ts (an app that is not written yet cannot be started).`,
  );
}
const busy = [];
for (const [name, port] of Object.entries(ports))
  if (!(await portFree(port))) busy.push(`${port} (${name}; set ${portVar(name)})`);
if (busy.length) await fail(`port(s) already in use: ${busy.join(', ')}. Is another \`npm start\` running?`);

await checkpoint();
// ---- model ---------------------------------------------------------------------------------------
if (fakeModel) {
  try {
    env.MODEL_BASE_URL = await startFakeModel();
  } catch (e) {
    await fail(e.message);
  }
  Object.assign(env, { MODEL_API_KEY: 'fake', MODEL_NAME: 'fake-echo' });
  say(`fake model (echo) at ${env.MODEL_BASE_URL}`);
} else if (!env.MODEL_API_KEY && !env.MODEL_BASE_URL) {
  say(
    [
      'no model configured: the agent will answer "no model configured". Set one (or put it in .env):',
      '  MODEL_API_KEY=sk-... MODEL_NAME=gpt-4o-mini npm start                     # OpenAI',
      '  MODEL_BASE_URL=http://localhost:11434/v1 MODEL_NAME=llama3.1 npm start   # a local OpenAI-compatible server',
      '  npm start -- --fake-model                                                 # built-in echo model',
    ].join('\n'),
  );
}

await checkpoint();
// ---- apps ----------------------------------------------------------------------------------------
const started = APPS.map(({ name }) => ({
  ...startApp(name, {
    ...withoutSecrets(env, name),
    PORT: String(ports[name]),
    ...(name === 'admin-api' && { ADMIN_BOOTSTRAP_KEY: adminKey, CREDENTIALS_KEYS: credentialsKeys }),
  }),
  port: ports[name],
}));
say(`starting ${started.length} apps (logs: .clawfleet/logs/<app>.log)`);
const results = await Promise.allSettled(started.map((app) => waitReady(app, app.port)));
const failed = results.map((r, i) => [r, started[i]]).filter(([r]) => r.status === 'rejected');
if (failed.length) {
  for (const [r, app] of failed)
    process.stderr.write(
      `\n${r.reason.message}\n--- tail of ${path.relative(ROOT, app.logFile)} ---\n${tail(app.logFile)}\n`,
    );
  await fail(`${failed.map(([, a]) => a.name).join(', ')} did not become ready`);
}
watchExits((name, code) => {
  const app = started.find((a) => a.name === name);
  const log = app ? `\n--- tail of ${path.relative(ROOT, app.logFile)} ---\n${tail(app.logFile)}` : '';
  void fail(`${name} exited unexpectedly (${code})${log}`);
});

const gateway = `http://127.0.0.1:${ports['channel-gateway']}`;
say(`ready:\n${started.map((a) => `  ${a.name.padEnd(16)} http://127.0.0.1:${a.port}`).join('\n')}`);
say(`chat API: POST ${gateway}/v1/chats/<chatId>/messages, events: GET ${gateway}/v1/chats/<chatId>/events`);
const admin = `http://127.0.0.1:${ports['admin-api']}`;
say(
  `admin API: ${admin}/docs; its bootstrap key is in ${ADMIN_KEY_FILE_SHOWN}:\n` +
    `  curl -H "Authorization: Bearer $(cat ${ADMIN_KEY_FILE_SHOWN})" ${admin}/v1/me`,
);

if (interactive) {
  await chat(gateway, { downloads: path.join(ROOT, '.clawfleet', 'downloads') });
  await shutdown(0);
} else {
  say('running until SIGTERM/SIGINT (no chat: --no-chat given or stdin is not a terminal)');
}
