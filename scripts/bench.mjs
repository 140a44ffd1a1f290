#!/usr/bin/env node
// `npm run bench`: latency and throughput of the six apps as processes, against an instant fake model.
// Builds, makes sure NATS/PostgreSQL are up, starts the platform on a fresh database and bus namespace,
// runs the scenarios (scripts/bench/scenarios.mjs), times SessionStore.load() on long sessions and the
// routing decision on a large tenant, prints a table and writes bench/results/<ISO>.json,
// bench/results/latest.json, docs/benchmarks.md, docs/bench-latency.svg.
//
// Environment: BENCH_SECONDS (per load level, default 10), BENCH_LEVELS (default 1,32,256),
// BENCH_SEQUENTIAL (default 500), BENCH_TOOLS (default 50), BENCH_WARMUP (default 50),
// BENCH_ROUTING (bindings,users,messages of the routing figure; default 10000,100000,50000).
// BENCH_SESSIONS (sessions seeded for the admin API's list endpoint, default 100000).
// BENCH_SANDBOX_SESSIONS (new sessions whose first tool call is timed, default 10), BENCH_SANDBOX_CALLS
// (no-op bash calls in a running sandbox, default 50). The sandbox figures need Docker and the sandbox
// image; without them (or with BENCH_SANDBOX=0) they are skipped with a note.
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { git, machine, runChild } from './bench/host.mjs';
import { ensureServices } from './services.mjs';
import { installIfNeeded } from './install.mjs';
import { BIN, ROOT, build, localEnv, say } from './lib/common.mjs';

const num = (name, fallback) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const config = {
  seconds: num('BENCH_SECONDS', 10),
  levels: (process.env.BENCH_LEVELS ?? '1,32,256')
    .split(',')
    .map(Number)
    .filter((n) => n > 0),
  sequential: num('BENCH_SEQUENTIAL', 500),
  tools: num('BENCH_TOOLS', 50),
  warmup: num('BENCH_WARMUP', 50),
  sessions: num('BENCH_SESSIONS', 100_000),
  sandboxSessions: num('BENCH_SANDBOX_SESSIONS', 10),
  sandboxCalls: num('BENCH_SANDBOX_CALLS', 50),
  sessionSizes: [1_000, 10_000],
  routing: (process.env.BENCH_ROUTING ?? '10000,100000,50000').split(',').map(Number),
};
if (config.routing.length !== 3 || !config.routing.every((n) => Number.isInteger(n) && n > 0))
  throw new Error('BENCH_ROUTING must be three positive integers: bindings,users,messages');
const WATCHDOG_MS = Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000;

await installIfNeeded();
// The apps run on this process's node (the launcher spawns process.execPath): make it the project's node 24.
if (Number(process.versions.node.split('.')[0]) < 24 && !process.env.CLAWFLEET_BENCH_REEXEC) {
  const child = spawn(path.join(BIN, 'node'), process.argv.slice(1), {
    stdio: 'inherit',
    env: localEnv({ CLAWFLEET_BENCH_REEXEC: '1' }),
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('close', (code) => process.exit(code ?? 1));
} else {
  await main();
}

async function main() {
  const t0 = Date.now();
  const phase = (what) => say(`bench: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  try {
    await ensureServices({ docker: false, database: null });
  } catch (e) {
    say(`services are not available:\n${e.message}`);
    process.exit(1);
  }
  phase('services ready; building');
  await build();

  // Only now is the build there to import.
  const { BENCH_USER, createCleanup, loadLibs, startBench, appLogs, memoryOf } = await import('./bench/harness.mjs');
  const scenarios = await import('./bench/scenarios.mjs');
  const { printable, writeReports } = await import('./bench/report.mjs');
  const libs = loadLibs();

  const cleanup = createCleanup();
  let bench;
  let loadChild;
  let aborting = false;
  const hang = () => new Promise(() => {}); // the main flow stops here once abort() owns the process
  const abort = async (why, code) => {
    if (aborting) return hang();
    aborting = true;
    say(`bench: ${why}; cleaning up`);
    loadChild?.kill('SIGKILL');
    await cleanup.run();
    process.exit(code);
  };
  process.on('SIGINT', () => abort('interrupted', 130)).on('SIGTERM', () => abort('terminated', 143));
  setTimeout(() => abort(`still running after ${WATCHDOG_MS / 1000} s (BENCH_TIMEOUT_S)`, 1), WATCHDOG_MS).unref();

  const results = {
    startedAt: new Date().toISOString(),
    command: 'npm run bench',
    config,
    machine: { ...machine(), loadAvgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    git: git(),
    problems: [],
  };
  const problem = (what, error) => {
    if (aborting) return;
    const message = `${what}: ${error?.message ?? error}`;
    say(`bench: PROBLEM ${message}`);
    results.problems.push(message);
    if (bench) (results.appLogs ??= []).push({ after: what, logs: appLogs(bench.platform, 60) });
  };

  // The sandbox figures need the engine and the image; the runner then keeps one warm container.
  const { sandboxBench } = await import('./bench/sandbox.mjs');
  const sbx = await sandboxBench(libs, cleanup);
  if (sbx.skipped) say(`bench: NOTE the sandbox figures are skipped: ${sbx.skipped}`);

  phase('starting the platform');
  bench = await startBench(libs, cleanup, { env: sbx.env }).catch((error) =>
    abort(`platform did not start: ${error.message}`, 1),
  );
  sbx.attach?.(bench.namespace);
  const { cpuSnapshot, cpuReport } = await import('./bench/cpu.mjs');
  const ctx = {
    testing: libs.testing,
    gateway: bench.gateway,
    chatKey: bench.chatKey,
    /** The platform's id of a bench chat (each chat is its user's own). */
    ownedChatId: (chatId) => libs.auth.ownedChatId(BENCH_USER, chatId),
    model: bench.model,
    query: bench.query,
    admin: bench.admin,
    cpu: () => cpuSnapshot(bench.platform, bench.db.name),
    cpuReport,
    sandbox: sbx.context,
  };
  phase(`platform up (namespace ${bench.namespace}, database ${bench.db.name})`);

  const scenario = async (name, fn) => {
    let value;
    try {
      value = await fn();
    } catch (error) {
      problem(name, error);
    }
    if (aborting) await hang();
    if (value !== undefined) phase(`${name} done`);
    return value;
  };
  await scenario(`warm-up (${config.warmup} messages)`, () => scenarios.warmUp(ctx, config.warmup));
  results.sequential = await scenario(`sequential (${config.sequential} turns)`, () =>
    scenarios.sequential(ctx, config.sequential),
  );
  results.tools = await scenario(`tools (${config.tools} turns)`, () => scenarios.tools(ctx, config.tools));
  results.throughput = [];
  for (const level of config.levels) {
    const r = await scenario(`closed loop, ${level} chats, ${config.seconds} s`, () =>
      scenarios.closedLoop(ctx, level, config.seconds),
    );
    if (!r) continue;
    results.throughput.push(r);
    if (r.errors) problem(`closed loop with ${level} chats`, `${r.errors} turn(s) failed, e.g. ${r.errorSamples[0]}`);
  }
  results.listSessions = await scenario(`admin API session list (${config.sessions} sessions)`, () =>
    scenarios.listSessions(ctx, config.sessions),
  );
  results.sandbox = sbx.skipped
    ? { skipped: sbx.skipped }
    : await scenario(
        `sandbox tool calls (${config.sandboxSessions} new sessions, ${config.sandboxCalls} no-op calls)`,
        () => scenarios.sandbox(ctx, { sessions: config.sandboxSessions, calls: config.sandboxCalls }),
      );
  results.memory = await memoryOf(bench.platform);
  // LOG_LEVEL=warn: anything an app logged during the run is worth a look.
  results.appLogLines = Object.fromEntries(
    Object.entries(appLogs(bench.platform, 2_000)).map(([app, all]) => {
      const lines = all.filter((line) => !line.startsWith('--- ')); // the launcher's own start/exit markers
      return [app, { count: lines.length, first: lines.slice(0, 5) }];
    }),
  );
  const exits = bench.platform.unexpectedExits();
  if (exits.length) problem('unexpected app exits', JSON.stringify(exits));

  phase('stopping the platform');
  await bench.stopPlatform();
  phase('timing session loads');
  results.sessionLoad = await scenario('session load', async () => {
    const script = path.join(ROOT, 'apps/session-runner/dist/bench/session-load.js');
    const { code, stdout, stderr } = await runChild(
      script,
      config.sessionSizes.map(String),
      { DATABASE_URL: bench.db.url },
      (c) => (loadChild = c),
    );
    if (code !== 0) throw new Error(`session-load exited ${code}: ${stderr.trim()}`);
    return JSON.parse(stdout.trim().split('\n').at(-1)).sessionLoad;
  });
  phase('timing the HTTP channel key check');
  results.keyCheck = await scenario('key check', async () => {
    const script = path.join(ROOT, 'apps/channel-gateway/dist/bench/key-check.js');
    const { code, stdout, stderr } = await runChild(
      script,
      [String(Math.min(config.seconds, 5))],
      { DATABASE_URL: bench.db.url },
      (c) => (loadChild = c),
    );
    if (code !== 0) throw new Error(`key-check exited ${code}: ${stderr.trim()}`);
    return JSON.parse(stdout.trim().split('\n').at(-1)).keyCheck;
  });
  phase('timing the routing decision');
  results.routing = await scenario('routing decision', async () => {
    const script = path.join(ROOT, 'apps/router/dist/bench/routing-cost.js');
    const { code, stdout, stderr } = await runChild(
      script,
      config.routing.map(String),
      { DATABASE_URL: bench.db.url },
      (c) => (loadChild = c),
    );
    if (code !== 0) throw new Error(`routing-cost exited ${code}: ${stderr.trim()}`);
    return JSON.parse(stdout.trim().split('\n').at(-1)).routing;
  });

  if (aborting) await hang();
  await cleanup.run();
  results.finishedAt = new Date().toISOString();
  results.durationS = Math.round((Date.now() - t0) / 100) / 10;
  const written = writeReports(results);
  process.stdout.write(printable(results));
  phase(`wrote ${written.join(', ')}`);
  process.exit(results.problems.length ? 1 : 0);
}
