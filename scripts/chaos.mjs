#!/usr/bin/env node
// `npm run chaos`: the long form of the chaos suite. Builds, starts its own nats-server and PostgreSQL
// on free ports (never the shared 4222/5432), runs the six apps (two session-runners) against them
// under an open-loop chat load with poison inputs mixed in, injects faults, and checks every message
// (lost, duplicated, order, reply text), every chat (stranded) and partition (recovery), the store.
// Prints the summary line, writes bench/results/chaos-<ts>.json and updates docs/reliability.md.
//
//   CHAOS_FAULTS=100        faults to inject (default 100; see docs/reliability.md for 1,000+)
//   CHAOS_CHATS=8           chats talking at once
//   CHAOS_SEED=<n>          replay a run's fault sequence
//   CHAOS_KINDS=a,b         only these fault kinds (e.g. nats:kill9,pg:restart-immediate)
//   CHAOS_WEIGHTS=k=w,...   override single kinds' weights (e.g. pg:down=1,nats:down=1)
//   CHAOS_GAP_MS=1000-3000  pause between a recovered fault and the next one
//   CHAOS_IN_FLIGHT=3       unanswered messages one chat may have at once (1: a closed loop)
//   CHAOS_POISON=0.01       share of messages that are poison inputs (NUL, lone surrogate, oversized)
//   CHAOS_PAUSE_MS=3000-6000      how long runner:pause stops a runner (the lease is 2 s)
//   CHAOS_OUTAGE_MS=180000-210000 how long pg:down and nats:down keep the server down
//   CHAOS_STRANDED_MS=20000 a chat still unanswered this long after the last fault healed is stranded
//   CHAOS_DOCS=0            do not touch docs/reliability.md
//   CLAWFLEET_LAUNCHER_LOGS=1  mirror the apps' output
import path from 'node:path';
import { ROOT, build, say } from './lib/common.mjs';
import { ensureSandboxImage } from './sandbox-image.mjs';
import { describeTrace, writeResult, updateReliabilityDoc } from './chaos/report.mjs';
import { git } from './bench/host.mjs';

const env = process.env;
const range = (value, fallback) => {
  if (!value) return fallback;
  const [a, b] = value.split('-').map(Number);
  return [a, b ?? a];
};

// The code under test is what is built now: a commit made while the run goes on is not in it.
const source = git();
say('building (tsc -b tsconfig.build.json)');
await build();
// `[tool]` messages make real sandbox calls: the image must be there (built once per machine).
try {
  await ensureSandboxImage();
} catch (e) {
  say(`the sandbox image is not available:\n${e.message}`);
  process.exit(1);
}
const { runChaos, FAULT_KINDS, DEFAULT_FAULT_WEIGHTS } = await import(path.join(ROOT, 'libs/testing/dist/index.js'));

const kinds = env.CHAOS_KINDS ? env.CHAOS_KINDS.split(',').map((k) => k.trim()) : undefined;
for (const k of kinds ?? []) {
  if (!FAULT_KINDS.includes(k)) {
    say(`unknown fault kind ${k}; known: ${FAULT_KINDS.join(', ')}`);
    process.exit(2);
  }
}
// CHAOS_WEIGHTS=pg:down=1,nats:down=1 overrides single weights (of CHAOS_KINDS, or of the defaults).
const weightOverrides = Object.fromEntries(
  (env.CHAOS_WEIGHTS ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [k, w] = pair.split('=');
      if (!FAULT_KINDS.includes(k.trim()) || !(Number(w) >= 0)) {
        say(`bad CHAOS_WEIGHTS entry ${pair}: kind=weight, kinds: ${FAULT_KINDS.join(', ')}`);
        process.exit(2);
      }
      return [k.trim(), Number(w)];
    }),
);
const baseWeights = kinds ? Object.fromEntries(kinds.map((k) => [k, DEFAULT_FAULT_WEIGHTS[k]])) : DEFAULT_FAULT_WEIGHTS;
const options = {
  faults: Number(env.CHAOS_FAULTS ?? 100),
  chats: Number(env.CHAOS_CHATS ?? 8),
  ...(env.CHAOS_SEED && { seed: Number(env.CHAOS_SEED) }),
  ...((kinds || env.CHAOS_WEIGHTS) && { weights: { ...baseWeights, ...weightOverrides } }),
  gapMs: range(env.CHAOS_GAP_MS, [1_000, 3_000]),
  inFlight: Number(env.CHAOS_IN_FLIGHT ?? 3),
  poisonShare: Number(env.CHAOS_POISON ?? 0.01),
  pauseMs: range(env.CHAOS_PAUSE_MS, [3_000, 6_000]),
  outageMs: range(env.CHAOS_OUTAGE_MS, [180_000, 210_000]),
  strandedAfterMs: Number(env.CHAOS_STRANDED_MS ?? 20_000),
  echoLogs: env.CLAWFLEET_LAUNCHER_LOGS === '1',
  log: (m) => say(`chaos: ${m}`),
};

let stopping = false;
process.on('SIGINT', () => {
  if (stopping) process.exit(130);
  stopping = true;
  say('interrupted: the launcher kills the apps on exit; the chaos servers stop with this process');
  process.exit(130);
});

const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const file = path.join(ROOT, 'bench', 'results', `chaos-${stamp}.json`);
let result;
try {
  result = await runChaos(options);
} catch (error) {
  if (error?.records) {
    // The run finished but its verdict failed: keep what it recorded (node scripts/chaos/explain.mjs reads it).
    const kept = writeResult(file, {
      startedAt: startedAt.toISOString(),
      error: String(error),
      records: error.records,
    });
    say(`${error.message}; the run's records are in ${path.relative(ROOT, kept)}`);
  }
  throw error;
}
const { report } = result;

const recordsFile = writeResult(file, { startedAt: startedAt.toISOString(), git: source, ...result });
say(
  `wrote ${path.relative(ROOT, file)} and ${path.relative(ROOT, recordsFile)}; timeline of any problem: node scripts/chaos/explain.mjs ${path.relative(ROOT, file)}`,
);
if (env.CHAOS_DOCS !== '0') {
  updateReliabilityDoc(path.join(ROOT, 'docs', 'reliability.md'), {
    result,
    startedAt,
    file: path.relative(ROOT, file),
    git: source,
  });
  say('updated docs/reliability.md');
}

const minutes = (result.durationMs / 60_000).toFixed(1);
for (const k of report.byKind) {
  say(
    `  ${k.kind.padEnd(24)} ${String(k.injected).padStart(4)} injected, ${k.lost} lost, ${k.duplicated} duplicated ` +
      `(${k.windowDuplicated} in window), recovery p50 ${fmt(k.recoveryP50Ms)} p99 ${fmt(k.recoveryP99Ms)}`,
  );
}
say(
  `unknown sends ${report.unknown.sent} (answered ${report.unknown.answered}), error replies ${report.errorReplies}, ` +
    `unexpected app exits ${result.unexpectedExits.length}, skipped faults ${report.skippedFaults}, run ${minutes} min`,
);
say(
  `poison inputs ${report.poison.sent} (refused ${report.poison.rejected}, accepted ${report.poison.accepted}), ` +
    `stranded chats ${report.stranded}, wrong texts ${report.wrongTextReplies}, stray ${report.strayReplies}, ` +
    `misrouted ${report.misroutedReplies}, notices ${report.noticeReplies}`,
);
for (const p of report.recoveryByPartition)
  say(
    `  partition ${p.partition}: ${p.chats} chats, ${p.faults} faults, ${p.unrecovered} unrecovered, ` +
      `recovery p50 ${fmt(p.p50Ms)} p99 ${fmt(p.p99Ms)} max ${fmt(p.maxMs)}`,
  );
for (const c of report.strandedChats.slice(0, 20))
  say(
    `  stranded ${c.chatId} (partition ${c.partition}) from ${c.firstUnanswered}${c.poison ? ` (poison ${c.poison})` : ''}`,
  );
for (const t of result.unansweredTraces ?? []) say(`  ${describeTrace(t)}`);
process.stdout.write(`${report.line}\n`);
// Anything the checker counts against the run fails it (lost, duplicated outside the window, order,
// wrong or stray replies, poison accepted, stranded chats, store anomalies, apps that exited, …).
if (!report.clean) say(`fails the run: ${report.failures.join('; ')}`);
process.exit(report.clean ? 0 : 1);

function fmt(ms) {
  if (ms === null || ms === undefined) return 'n/a';
  if (!Number.isFinite(ms)) return 'unrecovered';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
