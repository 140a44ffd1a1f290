/**
 * The helper that runs inside a sandbox (as `node -e EXEC_HELPER`, the sandbox user) for the life of
 * the container: it reads one JSON request a line on stdin, runs the process in its own process group,
 * and answers one JSON line on stdout. One `docker exec` per container instead of one per call.
 *
 * request:  {"id", "argv", "stdin", "timeoutMs", "max", "drain", "startBy"}, {"kill": id} or {"id", "ping": true}
 * answer:   {"id", "exitCode", "timedOut", "cut", "stdout" (base64, first `max` bytes), "stderr",
 *            "stdoutBytes", "stderrBytes"}, {"id", "error"}, {"id", "fenced": true} or {"id", "pong": true}
 *
 * `startBy` (epoch ms) fences the call: a request read after it is refused without starting anything
 * (the runner that sent it may have lost its lease meanwhile; the container shares the host's clock).
 */
export const EXEC_HELPER = String.raw`
'use strict';
const { spawn } = require('child_process');
const { constants } = require('os');
const env = { HOME: '/tmp', PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };
// With egress, the container's proxy variables (no secret: 127.0.0.1 and a port) reach the commands too.
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY', 'no_proxy', 'NODE_USE_ENV_PROXY']) if (process.env[k]) env[k] = process.env[k];
const running = new Map();
const send = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const killGroup = (pid) => { try { process.kill(-pid, 'SIGKILL'); } catch {} };
function run(r) {
  if (typeof r.startBy === 'number' && Date.now() > r.startBy) return send({ id: r.id, fenced: true });
  let child;
  try {
    child = spawn(r.argv[0], r.argv.slice(1), { cwd: '/workspace', env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    return send({ id: r.id, error: String(e.message) });
  }
  const kept = { stdout: [], stderr: [] }, size = { stdout: 0, stderr: 0 }, total = { stdout: 0, stderr: 0 };
  let cut = false, timedOut = false, done = false;
  for (const k of ['stdout', 'stderr']) {
    child[k].on('data', (b) => {
      total[k] += b.length;
      if (size[k] < r.max) { const p = b.subarray(0, r.max - size[k]); kept[k].push(p); size[k] += p.length; }
      if (!cut && total.stdout + total.stderr > r.drain) { cut = true; killGroup(child.pid); }
    });
  }
  const timer = setTimeout(() => { timedOut = true; killGroup(child.pid); }, r.timeoutMs);
  running.set(r.id, child);
  const finish = (answer) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    running.delete(r.id);
    send(answer);
  };
  child.on('error', (e) => finish({ id: r.id, error: String(e.message) }));
  child.on('close', (code, signal) => finish({
    id: r.id,
    exitCode: code !== null ? code : signal ? 128 + (constants.signals[signal] || 0) : null,
    timedOut, cut,
    stdout: Buffer.concat(kept.stdout).toString('base64'),
    stderr: Buffer.concat(kept.stderr).toString('base64'),
    stdoutBytes: total.stdout, stderrBytes: total.stderr,
  }));
  child.stdin.on('error', () => {});
  child.stdin.end(r.stdin || '');
}
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  let r;
  try { r = JSON.parse(line); } catch { return; }
  if (r.kill !== undefined) { const c = running.get(r.kill); if (c) killGroup(c.pid); return; }
  if (r.ping) return send({ id: r.id, pong: true });
  run(r);
}).on('close', () => process.exit(0));
`;
