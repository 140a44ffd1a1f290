// Turns bench results into the printed table, bench/results/*.json, docs/benchmarks.md and docs/bench-latency.svg.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../lib/common.mjs';
import { fmtKiB, fmtMs, fmtNum, markdownTable, table } from './stats.mjs';
import { latencySvg } from './svg.mjs';

const pct = (s) => (s ? [s.n, fmtMs(s.p50), fmtMs(s.p90), fmtMs(s.p99), fmtMs(s.max)] : ['—', '—', '—', '—', '—']);
/** For figures of microseconds: three decimals. */
const fine = (x) => (x == null ? '—' : x.toFixed(3));
const finePct = (s) => (s ? [s.n, fine(s.p50), fine(s.p90), fine(s.p99), fmtMs(s.max)] : ['—', '—', '—', '—', '—']);

/** [{ title, head, rows }] shared by the terminal and the Markdown page. */
export function sections(r) {
  const out = [];
  const s = r.sequential;
  if (s || r.tools) {
    const rows = [];
    if (s) {
      rows.push(['round trip, POST → SSE reply', ...pct(s.roundTrip)]);
      rows.push(['  model call (runner-timed)', ...pct(s.modelCallByRunner)]);
      rows.push(['  platform overhead per turn', ...pct(s.overhead)]);
      rows.push(['  POST → model request received', ...pct(s.postToModelRequest)]);
      rows.push(['  model request → SSE reply', ...pct(s.modelRequestToReply)]);
    }
    if (r.tools) rows.push([`tool turn (3× get_time, 4 model calls)`, ...pct(r.tools.latency)]);
    out.push({
      title: 'Per turn, one chat, sequential, instant model (ms)',
      head: ['', 'n', 'p50', 'p90', 'p99', 'max'],
      rows,
    });
  }
  if (r.sandbox) {
    const x = r.sandbox;
    out.push({
      title: 'Sandbox tool calls, ToolCallStarted → ToolCallCompleted commit (ms)',
      head: ['', 'n', 'p50', 'p90', 'p99', 'max'],
      rows: x.skipped
        ? [[`skipped: ${x.skipped}`, '—', '—', '—', '—', '—']]
        : [
            ['first call of a new session, warm pool', ...pct(x.firstCallWarm)],
            ['first call of a new session, cold (create, start)', ...pct(x.firstCallCold)],
            ['no-op bash in a running sandbox', ...pct(x.noopCall)],
          ],
    });
  }
  if (r.throughput?.length) {
    out.push({
      title: `Closed-loop throughput (${r.config.seconds} s per level)`,
      head: ['concurrent chats', 'turns/s', 'turns', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'CPU busy'],
      rows: r.throughput.map((l) => [
        l.concurrency,
        fmtNum(l.turnsPerSecond, 1),
        l.turns,
        fmtMs(l.latency.p50),
        fmtMs(l.latency.p90),
        fmtMs(l.latency.p99),
        fmtMs(l.latency.max),
        l.errors,
        l.cpu?.machineBusyPct == null ? '—' : `${l.cpu.machineBusyPct}%`,
      ]),
    });
  }
  const runs = [
    ...(s?.cpu ? [['sequential', s.cpu]] : []),
    ...(r.throughput ?? []).map((l) => [`${l.concurrency} chat${l.concurrency === 1 ? '' : 's'}`, l.cpu]),
  ];
  if (runs.length) {
    out.push({
      title: 'CPU time per turn by process (ms)',
      head: ['process', ...runs.map(([name]) => name)],
      rows: Object.keys(runs[0][1].msPerTurn).map((proc) => [
        proc,
        ...runs.map(([, c]) => fmtNum(c?.msPerTurn[proc], 2)),
      ]),
    });
    if (runs[0][1].writesPerTurn)
      out.push({
        title: 'Write syscalls per turn by app (sockets to NATS, PostgreSQL, HTTP)',
        head: ['app', ...runs.map(([name]) => name)],
        rows: Object.keys(runs[0][1].writesPerTurn).map((app) => [
          app,
          ...runs.map(([, c]) => fmtNum(c?.writesPerTurn?.[app], 1)),
        ]),
      });
  }
  const l = r.listSessions;
  if (l) {
    out.push({
      title: `Admin API: GET …/sessions over ${l.sessions.toLocaleString('en')} sessions of one tenant (ms, sequential requests)`,
      head: ['', 'n', 'p50', 'p90', 'p99', 'max'],
      rows: [
        ['first page (50)', ...pct(l.firstPage)],
        [`page after ${l.deepAfter.toLocaleString('en')} (50, cursor)`, ...pct(l.deepPage)],
        [`every page of a walk through all (${l.walkPageSize} each)`, ...pct(l.walk)],
        ['first page, one agent of 10', ...pct(l.agentFiltered)],
        ['first page, status=running (1 in 100)', ...pct(l.runningFiltered)],
      ],
    });
  }
  if (r.keyCheck) {
    const k = r.keyCheck;
    out.push({
      title: `Key check of an HTTP channel post, in-process (${k.checksPerSecond}/s for ${k.seconds} s, ms)`,
      head: ['', 'n', 'p50', 'p90', 'p99', 'max', 'PostgreSQL reads'],
      rows: [
        [`cached ${k.cacheMs} ms (as the gateway runs)`, ...finePct(k.cached), k.cached.databaseReads],
        ['  no cache: every check reads the key', ...finePct(k.everyCheckReads), k.everyCheckReads.databaseReads],
      ],
    });
  }
  if (r.memory) {
    out.push({
      title: 'Memory per service after the load',
      head: ['app', 'peak RSS (VmHWM)', 'RSS now'],
      rows: Object.entries(r.memory).map(([app, m]) => [app, fmtKiB(m.vmHwmKiB), fmtKiB(m.vmRssKiB)]),
    });
  }
  if (r.sessionLoad?.length) {
    out.push({
      title: `SessionStore.load() of one long session (median of ${r.sessionLoad[0].runs}, ms)`,
      head: ['events', 'cold, with snapshot', 'warm (runner cache)', 'cold, no snapshot', 'fold only', 'snapshot size'],
      rows: r.sessionLoad.map((x) => [
        x.events,
        fmtMs(x.withSnapshotMs),
        fmtMs(x.cachedMs),
        fmtMs(x.withoutSnapshotMs),
        fmtMs(x.foldOnlyMs),
        fmtKiB(x.snapshotBytes / 1024),
      ]),
    });
  }
  if (r.routing) {
    const x = r.routing;
    const us = (ms) => (ms == null ? '—' : ms.toFixed(3));
    out.push({
      title: `Routing decision per message, in-process (${x.bindings.toLocaleString('en')} bindings, ${x.users.toLocaleString('en')} users loaded; ms)`,
      head: ['messages', 'p50', 'p90', 'p99', 'max', 'load (5 statements)'],
      rows: [[x.messages, us(x.p50Ms), us(x.p90Ms), us(x.p99Ms), us(x.maxMs), `${x.loadMs} ms`]],
    });
  }
  return out;
}

/** A warning when processes outside the bench used a noticeable share of the CPU during the measurements. */
export function noise(r) {
  const shares = [r.sequential?.cpu, ...(r.throughput ?? []).map((l) => l.cpu)].map((c) => c?.otherBusyPct ?? 0);
  const worst = Math.max(0, ...shares);
  return worst > 10
    ? `Other processes on the machine (not the bench, its apps, PostgreSQL or NATS) used up to ${worst}% of all CPU during the measurements: latency and throughput are pessimistic.`
    : null;
}

export function printable(r) {
  const parts = sections(r).map((sec) => `${sec.title}\n${table(sec.head, sec.rows)}`);
  if (noise(r)) parts.push(`NOTE: ${noise(r)}`);
  const logged = Object.entries(r.appLogLines ?? {}).filter(([, l]) => l.count > 0);
  if (logged.length)
    parts.push(
      `App log lines at LOG_LEVEL=warn: ${logged.map(([a, l]) => `${a} ${l.count}`).join(', ')} (see results JSON)`,
    );
  if (r.problems.length) parts.push(`PROBLEMS\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
  return `\n${parts.join('\n\n')}\n`;
}

function machineLine(r) {
  const m = r.machine;
  return `${m.cores} cores (${m.cpuModel}), ${m.memGiB} GiB RAM, ${m.os}, Node ${m.node}, load average ${m.loadAvgAtStart?.join(' ')} at start`;
}

function markdown(r) {
  const s = r.sequential;
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${r.startedAt.slice(0, 10)} (${r.startedAt}); do not edit by hand, run it again.`,
    `Commit \`${r.git.commit?.slice(0, 12) ?? 'unknown'}\`${r.git.dirty ? ' (with uncommitted changes)' : ''}.`,
    '',
    '```sh',
    'npm run bench                    # BENCH_SECONDS=10 per load level by default',
    'BENCH_SECONDS=30 npm run bench   # longer load levels',
    '```',
    '',
    `**Machine:** ${machineLine(r)}. Everything ran on it at once: the six apps (one process each),`,
    'NATS, PostgreSQL, the fake model and the load generator, so the figures are a floor for one small box,',
    'not a capacity plan. The model is a fake OpenAI-compatible server that answers instantly (latency 0,',
    "streamed), so every millisecond below is the platform's own.",
    '',
    `Full results: \`bench/results/latest.json\` (and one file per run in \`bench/results/\`).`,
    '',
  ];
  for (const sec of sections(r))
    lines.push(
      `## ${sec.title}`,
      '',
      markdownTable(
        sec.head,
        sec.rows.map((row) => row.map((c) => String(c).replace(/^  /, '↳ '))),
      ),
      '',
    );
  if (r.throughput?.length) lines.push('![p50 and p99 turn latency against concurrent chats](bench-latency.svg)', '');
  if (noise(r)) lines.push(`> **Note:** ${noise(r)}`, '');
  if (r.problems.length) lines.push('## Problems seen in this run', '', ...r.problems.map((p) => `- ${p}`), '');
  lines.push(
    'Targets, what missed them and why: [performance.md](performance.md).',
    '',
    '## Where the time goes',
    '',
    'What was measured, all client-side through the HTTP channel (`POST /v1/chats/:id/messages`, reply on the SSE stream):',
    '',
    `- **Per turn**: ${s?.count ?? '—'} messages in one chat, each sent once the previous reply arrived. The round trip is split`,
    '  at the instant the fake model received the request (its request log): *POST → model request* is',
    '  channel-gateway → `inbound.received` → router → `turn.requested` → session-runner (load session, append',
    '  UserMessageAdded/TurnStarted); *model request → SSE reply* is the model call, ModelResponded/TurnCompleted',
    '  appends, the outbox relay, `outbound.ready` → delivery → gateway → SSE. *Platform overhead* subtracts the',
    '  model call as the runner timed it (`ModelResponded.latencyMs`: SDK, HTTP and streaming to a model that',
    '  answers at once).',
    '- **Tool turns**: the model calls `get_time` three times, one call per round, then answers: four model calls,',
    '  three tool executions and their events in one turn.',
    '- **Sandbox tool calls**: the model calls `bash true`. Each call is timed by the store, from the commit of its',
    '  ToolCallStarted to that of its ToolCallCompleted (PostgreSQL `now()` of each): the runner\'s dispatch, the',
    '  exec through the container\'s helper, one commit. *First call of a new session*: the runner keeps one warm',
    '  container (`SANDBOX_WARM_POOL=1`); new sessions alternate between waiting for it to refill and starting at',
    '  once, and each is counted by the container that served it (a claimed warm one, or one made for it). Skipped,',
    '  with a note, when Docker or the sandbox image is missing.',
    '- **Throughput**: N chats in a closed loop (each sends its next message when its reply arrived) for a fixed',
    '  time; each chat has one untimed turn first so sessions exist. turns/s counts replies within the window.',
    '- **Memory**: VmHWM (peak resident set) of each app process after all of the above.',
    '- **Admin API session list**: `BENCH_SESSIONS` sessions seeded in one statement into the session index, then',
    '  `GET /v1/tenants/:t/sessions` through HTTP with a platform key: the first page, the page a cursor 90 % deep',
    '  starts (keyset on `(updated_at, session_id)`: it should cost what the first does), and every page of a walk.',
    '- **Key check**: what the HTTP channel\'s authentication adds to a post: the gateway\'s own check of the',
    '  `Authorization` header (Bearer parse, libs/auth\'s KeyVerifier with its 1 s cache, the scope), run in one',
    '  process at a steady rate so that the once-a-second read of the key from PostgreSQL is in the sample. Every',
    '  turn above paid it too (its POST went through the same check); this isolates it. Target: ≤ 0.5 ms p50.',
    '- **Session load**: `SessionStore.load()` on one session of realistic events (1 + 4 per turn), written through',
    '  the store itself; *with snapshot* reads the snapshot the first load took, *without* deletes it first (so the',
    '  time includes writing a new one), *fold only* reads and folds every event without any snapshot policy.',
    "- **Routing decision**: the router's pure `route()` on one tenant with that many bindings (two per group, every",
    '  engage mode, sender scope and session scope, some pairing unknown senders) and users with an identity each,',
    '  loaded by `loadRouting` as the router caches it; messages from known and unknown senders, commands among',
    '  them, timed one by one in one process (`apps/router/src/bench/routing-cost.ts`). Target: p99 ≤ 2 ms.',
    '',
    '_To do:_ a per-stage breakdown from the traces (one span per hop) once tracing is exported in benchmarks.',
    '',
  );
  return lines.join('\n');
}

/** Writes bench/results/<ISO>.json, bench/results/latest.json, docs/benchmarks.md and docs/bench-latency.svg. */
export function writeReports(r) {
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  const json = `${JSON.stringify(r, null, 2)}\n`;
  const file = path.join(dir, `${r.startedAt.replace(/:/g, '-')}.json`);
  const written = [file, path.join(dir, 'latest.json'), path.join(ROOT, 'docs', 'benchmarks.md')];
  fs.writeFileSync(file, json);
  fs.writeFileSync(written[1], json);
  fs.writeFileSync(written[2], markdown(r));
  if (r.throughput?.length) {
    const svg = latencySvg(r.throughput, {
      title: 'Turn latency against offered load (instant model)',
      subtitle: `${r.machine.cores} cores, Node ${r.machine.node} · ${r.config.seconds} s per level · ${r.startedAt.slice(0, 10)} · ${r.git.commit?.slice(0, 12) ?? ''}`,
    });
    written.push(path.join(ROOT, 'docs', 'bench-latency.svg'));
    fs.writeFileSync(written.at(-1), svg);
  }
  return written.map((f) => path.relative(ROOT, f));
}
