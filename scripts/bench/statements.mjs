#!/usr/bin/env node
// PostgreSQL statements per turn, by app: a count that the machine's load does not move, unlike the
// bench's timings. Starts the platform as `npm run bench` does (build first: `npm run build`), on a
// database with log_statement = 'all', runs the turns (fresh chats in a closed loop, after a warm-up)
// and counts what the server logged for that database's backends, by application_name.
//
//   node scripts/bench/statements.mjs [turns=200] [chats=1]
//
// It reads the server's log, so it runs where PostgreSQL does: BENCH_PG_LOG (default
// /var/log/postgresql/postgresql-15-main.log; log_line_prefix must contain %p, the backend's pid).
import fs from 'node:fs';
import { createCleanup, loadLibs, startBench } from './harness.mjs';

const turns = Number(process.argv[2] ?? 200);
const chats = Number(process.argv[3] ?? 1);
const LOG = process.env.BENCH_PG_LOG ?? '/var/log/postgresql/postgresql-15-main.log';
if (!fs.existsSync(LOG)) {
  process.stderr.write(`cannot read the PostgreSQL log ${LOG}: set BENCH_PG_LOG\n`);
  process.exit(1);
}

const libs = loadLibs();
const cleanup = createCleanup();
process.on('SIGINT', () => cleanup.run().then(() => process.exit(130)));
try {
  const admin = new libs.pg.Client({ connectionString: libs.testing.TEST_PG_ADMIN_URL });
  await admin.connect();
  cleanup.add('close admin client', () => admin.end());
  const bench = await startBench(libs, cleanup, {
    beforeLaunch: (db) => admin.query(`ALTER DATABASE ${db.name} SET log_statement = 'all'`),
  });
  const turn = async (chat, text) => {
    const sent = await chat.send(text);
    const reply = await chat.nextReply(30_000);
    if (reply.replyTo !== sent.messageId || reply.text !== `echo: ${text}`)
      throw new Error(`wrong reply ${JSON.stringify(reply)}`);
  };
  const warm = await libs.testing.openChat(bench.gateway, 'statements-warm');
  for (let i = 0; i < 20; i++) await turn(warm, `warm ${i}`);
  await warm.close();
  const open = await Promise.all(
    Array.from({ length: chats }, (_, c) => libs.testing.openChat(bench.gateway, `statements-${c}`)),
  );
  await Promise.all(open.map((chat) => turn(chat, 'prime')));

  const from = fs.statSync(LOG).size;
  let done = 0;
  await Promise.all(
    open.map(async (chat, c) => {
      for (let k = 0; k < Math.ceil(turns / chats); k++, done++) await turn(chat, `turn ${c} ${k}`);
    }),
  );
  await Promise.all(open.map((chat) => chat.close()));
  const { rows } = await admin.query('SELECT pid, application_name FROM pg_stat_activity WHERE datname = $1', [
    bench.db.name,
  ]);
  const appOf = new Map(rows.map((r) => [String(r.pid), r.application_name || 'unnamed']));
  const log = Buffer.alloc(fs.statSync(LOG).size - from);
  const fd = fs.openSync(LOG, 'r');
  fs.readSync(fd, log, 0, log.length, from);
  fs.closeSync(fd);
  const byApp = {};
  const byStatement = {};
  for (const line of log.toString('utf8').split('\n')) {
    const m = /\[(\d+)\].* LOG: {2}(?:execute [^:]+|statement): (.*)$/.exec(line);
    const app = m && appOf.get(m[1]);
    if (!app) continue; // another database's backend, or one that is gone
    byApp[app] = (byApp[app] ?? 0) + 1;
    const text = `${app}: ${(m[2].trim() || '(a statement starting on its next line: the event store append)').slice(0, 100)}`;
    byStatement[text] = (byStatement[text] ?? 0) + 1;
  }
  const perTurn = (n) => Math.round((n / done) * 100) / 100;
  const total = Object.values(byApp).reduce((a, b) => a + b, 0);
  process.stdout.write(`PostgreSQL statements per turn, ${done} turns in ${chats} chat(s):\n`);
  for (const [app, n] of Object.entries(byApp).sort((a, b) => b[1] - a[1]))
    process.stdout.write(`  ${app.padEnd(16)} ${perTurn(n)}\n`);
  process.stdout.write(`  ${'all'.padEnd(16)} ${perTurn(total)}\nby statement:\n`);
  for (const [text, n] of Object.entries(byStatement)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20))
    process.stdout.write(`  ${String(perTurn(n)).padStart(5)}  ${text}\n`);
} finally {
  await cleanup.run();
}
