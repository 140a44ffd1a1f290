#!/usr/bin/env node
// `npm run dlq -- list|redrive [--subject <subject>] [--since <ISO time | 30m | 2h | 1d>] [--limit <n>]`
// Lists the dead letters of the installation (NATS_URL, BUS_NAMESPACE; .env is read), or publishes
// them again to the subject they were on and removes them from the DLQ. The subject is given without
// the namespace, and may end in `>` or `*` (e.g. `turn.requested.>`). A redrive that is interrupted
// can be run again: each dead letter is republished under a message id derived from its DLQ sequence.
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEFAULT_NATS_URL, ROOT, build, loadDotEnv, say } from './lib/common.mjs';

const USAGE = 'usage: npm run dlq -- list|redrive [--subject <subject>] [--since <ISO time|30m|2h|1d>] [--limit <n>]';

function parseArgs(argv) {
  const [command, ...rest] = argv;
  if (command !== 'list' && command !== 'redrive') throw new Error(USAGE);
  const options = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (!['--subject', '--since', '--limit'].includes(flag) || value === undefined) throw new Error(USAGE);
    options[flag.slice(2)] = value;
  }
  return { command, ...options };
}

function parseSince(value) {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([mhd])$/.exec(value);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2]];
    return new Date(Date.now() - Number(relative[1]) * unit);
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new Error(`--since ${value}: not a time (ISO 8601) nor a duration (30m, 2h, 1d)`);
  return at;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
  args.since = parseSince(args.since);
  if (args.limit !== undefined && !/^\d+$/.test(args.limit)) throw new Error(`--limit ${args.limit}: not a number`);
} catch (error) {
  say(error.message);
  process.exit(2);
}

loadDotEnv();
await build();
const require = createRequire(import.meta.url);
const { connectNats, listDeadLetters, natsAuthOf, redriveDeadLetters, Publisher } = require(
  path.join(ROOT, 'libs/bus/dist/index.js'),
);
const { topology } = require(path.join(ROOT, 'libs/contracts/dist/index.js'));
const { jetstream, jetstreamManager } = require('@nats-io/jetstream');

const namespace = process.env.BUS_NAMESPACE ?? '';
const t = topology(namespace);
// Signed in as the dlq user where the server has one per service (NATS_USER=dlq ..., decision 21).
const nc = await connectNats(process.env.NATS_URL ?? DEFAULT_NATS_URL, 'dlq', { auth: natsAuthOf(process.env) });
try {
  const jsm = await jetstreamManager(nc);
  const filter = {
    subject: args.subject && (namespace ? `${namespace}.${args.subject}` : args.subject),
    since: args.since,
    limit: args.limit === undefined ? undefined : Number(args.limit),
  };
  const letters =
    args.command === 'list'
      ? await listDeadLetters(jsm, t, filter)
      : await redriveDeadLetters(jsm, new Publisher(jetstream(nc)), t, filter);
  for (const l of letters) {
    process.stdout.write(
      `${JSON.stringify({ seq: l.seq, deadAt: l.deadAt.toISOString(), subject: l.subject, consumer: l.consumer, deliveries: l.deliveries, reason: l.reason })}\n`,
    );
  }
  say(`${letters.length} dead letter(s) ${args.command === 'list' ? 'listed' : 'redriven'}`);
} catch (error) {
  say(
    error?.name === 'StreamNotFoundError'
      ? `no stream ${t.streams.DLQ.name} on ${process.env.NATS_URL ?? DEFAULT_NATS_URL} (BUS_NAMESPACE "${namespace}"): nothing dead-lettered yet`
      : `dlq ${args.command} failed: ${error?.message ?? error}`,
  );
  process.exitCode = 1;
} finally {
  await nc.drain();
}
