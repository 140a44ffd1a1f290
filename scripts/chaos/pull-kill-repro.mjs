#!/usr/bin/env node
// Finding 7 of docs/reliability.md, without the platform: a serial pull consumer (max_ack_pending 1,
// as the router's partitions) whose process is killed with SIGKILL again and again while messages
// keep arriving (100 a second). Every message published must be handled by some incarnation of the
// consumer; the script prints the ones never handled, with the consumer's state as the server sees it.
// Each kill stalls the consumer for ack_wait (the killed process's delivery must time out first), so
// the run builds a backlog; the script drains it before it judges.
//
//   [CHAOS_NATS_SERVER=/path/to/nats-server] [REPRO_UPDATE=0] [REPRO_VERBOSE=1] node scripts/chaos/pull-kill-repro.mjs [kills=200] [maxMessages=1] [publishEveryMs=10]
// maxMessages is the consumer's `consume({ max_messages })`: 1 is what the router does now, 256 what
// it did in the run that lost a message. REPRO_UPDATE=0: an incarnation does not update the consumer's
// config at start-up (every service does, to provision). REPRO_VERBOSE=1 prints redeliveries and
// the client's status events. Needs the build (npm run build). Starts its own nats-server.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../lib/common.mjs';

const require = createRequire(path.join(ROOT, 'package.json'));
const { connect } = require('@nats-io/transport-node');
const { jetstream, jetstreamManager, AckPolicy } = require('@nats-io/jetstream');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const STREAM = 'S';
const DURABLE = 'serial';
const config = { max_ack_pending: 1, ack_wait: 5e9, max_deliver: 20 };

if (process.argv[2] === 'consumer') {
  // One incarnation of the consumer: provision as every service does at start-up, then pull, record, ack.
  const [, , , url, maxMessages, file] = process.argv;
  const nc = await connect({ servers: url, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.info(STREAM, DURABLE);
  if (process.env.REPRO_UPDATE !== '0') await jsm.consumers.update(STREAM, DURABLE, config);
  const consumer = await jetstream(nc).consumers.get(STREAM, DURABLE);
  const messages = await consumer.consume({ max_messages: Number(maxMessages) });
  if (process.env.REPRO_VERBOSE) {
    void (async () => {
      for await (const st of messages.status())
        if (st.type !== 'next' && st.type !== 'heartbeat') console.log(`  [${process.pid}] status`, JSON.stringify(st));
    })();
  }
  for await (const m of messages) {
    if (m.info.deliveryCount > 1 && process.env.REPRO_VERBOSE)
      console.log(`  [${process.pid}] redelivery of #${m.seq} (${m.info.deliveryCount})`);
    await sleep(1 + Math.random() * 2); // the router's statement and publish
    appendFileSync(file, `${m.string()} ${m.info.deliveryCount} ${process.pid}\n`);
    m.ack();
  }
} else {
  const kills = Number(process.argv[2] ?? 200);
  const maxMessages = Number(process.argv[3] ?? 1);
  const everyMs = Number(process.argv[4] ?? 10);
  const { startNats } = require(path.join(ROOT, 'libs/testing/dist/chaos/servers.js'));
  const nats = await startNats();
  const dir = mkdtempSync(path.join(tmpdir(), 'pull-kill-'));
  const file = path.join(dir, 'handled.log');
  appendFileSync(file, '');
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: ['s.>'] });
  await jsm.consumers.add(STREAM, {
    durable_name: DURABLE,
    ack_policy: AckPolicy.Explicit,
    filter_subject: 's.>',
    ...config,
  });

  const self = fileURLToPath(import.meta.url);
  let child;
  const start = () => {
    child = spawn(process.execPath, [self, 'consumer', nats.url, String(maxMessages), file], { stdio: 'inherit' });
  };
  const published = [];
  let publishing = true;
  const publisher = (async () => {
    const js = jetstream(nc);
    for (let i = 1; publishing; i++) {
      const ack = await js.publish('s.1', String(i));
      published.push({ i, seq: ack.seq, at: Date.now() });
      await sleep(everyMs);
    }
  })();

  const t0 = Date.now();
  start();
  for (let k = 1; k <= kills; k++) {
    await sleep(300 + Math.random() * 1200);
    child.kill('SIGKILL');
    await sleep(200 + Math.random() * 1800);
    start();
    if (k % 25 === 0)
      console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s: ${k} kills, ${published.length} published`);
  }
  publishing = false;
  await publisher;
  // The kills leave a backlog (each one stalls the partition for ack_wait): let the last incarnation
  // work it off, for as long as it makes progress.
  let info = await jsm.consumers.info(STREAM, DURABLE);
  let progress = { floor: info.ack_floor.stream_seq, at: Date.now() };
  console.log(`draining a backlog of ${info.num_pending + info.num_ack_pending}`);
  while (info.num_pending + info.num_ack_pending > 0 && Date.now() - progress.at < 30_000) {
    await sleep(500);
    info = await jsm.consumers.info(STREAM, DURABLE);
    if (info.ack_floor.stream_seq !== progress.floor) progress = { floor: info.ack_floor.stream_seq, at: Date.now() };
  }
  child.kill('SIGKILL');
  await sleep(100);
  const handled = new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split(' ')[0])),
  );
  const missing = published.filter((p) => !handled.has(p.i));
  const drained = info.num_pending + info.num_ack_pending === 0;
  console.log(
    `${kills} kills, max_messages ${maxMessages}, nats-server ${nc.info.version}: ${published.length} published, ` +
      `${missing.length} never handled${drained ? '' : ' (NOT DRAINED: the consumer stopped making progress)'}; ` +
      `consumer: delivered #${info.delivered.stream_seq}, ack floor #${info.ack_floor.stream_seq}, ` +
      `ack pending ${info.num_ack_pending}, pending ${info.num_pending}, redelivered ${info.num_redelivered}`,
  );
  for (const m of missing.slice(0, 20))
    console.log(`  never handled: message ${m.i}, stream #${m.seq}, published at +${m.at - t0} ms`);
  await nc.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(missing.length === 0 && drained ? 0 : 1);
}
