// Child processes of `npm start`: the six apps and the fake model server; readiness, logs, shutdown.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { ROOT, localEnv, say } from './common.mjs';

export const LOG_DIR = path.join(ROOT, '.clawfleet', 'logs');
const children = new Set(); // { name, child, exited: Promise<void> }

/** Kills whatever is left if this process exits without stopAll (a crash); children run in their own group. */
process.on('exit', () => {
  for (const c of children) signal(c, 'SIGKILL');
});

function signal({ child }, sig) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig); // the whole process group: the app and anything it spawned
  } catch {
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
  }
}

function track(name, child) {
  const entry = { name, child, exited: new Promise((r) => child.once('close', r)) };
  children.add(entry);
  return entry;
}

/** True when nothing accepts connections on 127.0.0.1:port. */
export function portFree(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (free) => {
      sock.destroy();
      resolve(free);
    };
    sock.setTimeout(1000, () => done(true));
    sock.on('connect', () => done(false));
    sock.on('error', () => done(true));
  });
}

/** Starts `node apps/<name>/dist/main.js`, stdout+stderr to .clawfleet/logs/<name>.log. */
export function startApp(name, env) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.clawfleet', '.gitignore'), '*\n');
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const fd = fs.openSync(logFile, 'w');
  const child = spawn('node', [path.join('apps', name, 'dist', 'main.js')], {
    cwd: ROOT,
    env: localEnv(env),
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  fs.closeSync(fd);
  child.on('error', (e) => say(`${name}: cannot start: ${e.message}`));
  return { ...track(name, child), logFile };
}

/** Starts the fake OpenAI-compatible model server; resolves its base URL from its first JSON line. */
export function startFakeModel(timeoutMs = 15_000) {
  const main = path.join(ROOT, 'libs', 'testing', 'dist', 'fake-openai-main.js');
  if (!fs.existsSync(main))
    throw new Error(
      `--fake-model: ${path.relative(ROOT, main)} not found (is libs/testing built and does it have src/fake-openai-main.ts?)`,
    );
  const child = spawn('node', [main, '--port', '0'], {
    cwd: ROOT,
    env: localEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  track('fake-model', child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fake model server did not print its URL in time')), timeoutMs);
    child.once('close', (code) => reject(new Error(`fake model server exited (${code}) before it was ready`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const { url } = JSON.parse(line);
        if (typeof url === 'string') {
          clearTimeout(timer);
          resolve(url);
        }
      } catch {
        /* not the ready line */
      }
    });
  });
}

/** Polls GET /readyz until 200; rejects on timeout or when the app exits first. */
export async function waitReady(app, port, timeoutMs = 60_000) {
  let exited = false;
  app.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited)
      throw new Error(`${app.name} exited (code ${app.child.exitCode ?? app.child.signalCode}) before it was ready`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${app.name} not ready on :${port}/readyz after ${timeoutMs / 1000} s (last: ${last})`);
}

export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') || '(empty log)';
  } catch {
    return '(no log)';
  }
}

/** Calls onExit(name, code) when a child exits while the platform is meant to be running. */
export function watchExits(onExit) {
  for (const c of children)
    c.exited.then(() => {
      if (!stopping) onExit(c.name, c.child.exitCode ?? c.child.signalCode);
    });
}

let stopping = null;
/** SIGTERM to every child, SIGKILL to those still running after graceMs. Idempotent. */
export function stopAll(graceMs = 10_000) {
  stopping ??= (async () => {
    const all = [...children];
    for (const c of all) signal(c, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const c of all)
        if (c.child.exitCode === null && c.child.signalCode === null) {
          say(`${c.name} still running after ${graceMs / 1000} s: SIGKILL`);
          signal(c, 'SIGKILL');
        }
    }, graceMs);
    await Promise.all(all.map((c) => c.exited));
    clearTimeout(timer);
  })();
  return stopping;
}

export const running = () => [...children].some(({ child }) => child.exitCode === null && child.signalCode === null);

/** Second call while stopping: kill at once. */
export function killAllNow() {
  for (const c of children) signal(c, 'SIGKILL');
}
