import { OutboundReady, topology } from '@clawfleet/contracts';
import { startPostgres, TEST_NATS_URL, uniqueNamespace, type PostgresServer } from '@clawfleet/testing';
import { jetstreamManager, jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Pool } from 'pg';
import pino from 'pino';
import { connectNats } from './connection';
import { ConsumerRunner } from './consumer';
import { makeEnvelope } from './envelope';
import { provision } from './provision';
import { Publisher } from './publisher';

/**
 * A PostgreSQL outage longer than any count of deliveries would survive: the handler's writes fail
 * with ECONNREFUSED the whole time, and every message is still handled once PostgreSQL is back.
 * The backoff is capped low (configuration) so the old budget — 50 deliveries — would run out in
 * about ten seconds; the time budget is the production one (10 minutes).
 */
const OUTAGE_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pgCtl(): string {
  for (const v of [15, 16, 17])
    if (existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`)) return `/usr/lib/postgresql/${v}/bin/pg_ctl`;
  return 'pg_ctl';
}

/** Stops the test's own cluster (never the shared one); `server.restart()` starts it again. */
function stopPostgres(server: PostgresServer): void {
  const args = ['stop', '-w', '-t', '30', '-m', 'fast', '-D', server.dataDir];
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', pgCtl(), ...args], { encoding: 'utf8' })
    : spawnSync(pgCtl(), args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pg_ctl stop failed: ${result.stderr}`);
}

let pg: PostgresServer;
let pool: Pool;
let nc: NatsConnection;
let jsm: JetStreamManager;
const namespace = uniqueNamespace('budget');
const t = topology(namespace, { retry: { backoffMaxMs: 200 } });

beforeAll(async () => {
  pg = await startPostgres();
  pool = new Pool({ connectionString: pg.url, max: 4, connectionTimeoutMillis: 2_000 });
  pool.on('error', () => undefined); // connections die with the server; the next query reconnects
  await pool.query('CREATE TABLE handled (outbound_id text PRIMARY KEY)');
  nc = await connectNats(TEST_NATS_URL, 'retry-budget-spec');
  jsm = await jetstreamManager(nc);
  await provision(jsm, t);
}, 120_000);

afterAll(async () => {
  for (const spec of Object.values(t.streams)) await jsm.streams.delete(spec.name).catch(() => undefined);
  await nc?.drain();
  await pool?.end().catch(() => undefined);
  await pg?.stop();
});

it('retries through a PostgreSQL outage of 30 s and dead-letters nothing', async () => {
  const spec = t.consumers.find((c) => c.group === 'delivery')!;
  expect(spec.retryBudgetMs).toBeGreaterThanOrEqual(10 * 60_000);
  const publisher = new Publisher(jetstream(nc));
  const runner = new ConsumerRunner({
    js: jetstream(nc),
    topology: t,
    spec,
    publisher,
    logger: pino({ level: 'silent' }),
    concurrency: 8,
    handlers: new Map([
      [
        OutboundReady.type,
        async (event) => {
          const { outboundId } = (event as OutboundReady).data;
          await pool.query('INSERT INTO handled VALUES ($1) ON CONFLICT DO NOTHING', [outboundId]);
        },
      ],
    ]),
  });
  runner.start();
  const ids: string[] = [];
  const send = async (n: number) => {
    const event = makeEnvelope(OutboundReady, {
      tenantId: 'acme',
      data: {
        outboundId: `0192f0a4-6f2e-7c3a-9b1d-${String(n).padStart(12, '0')}`,
        sessionId: '0192f0a4-6f2e-7c3a-9b1d-2a4e5f6a7b82',
        turnId: null,
        seq: n,
        chat: { channel: 'http', chatId: 'outage' },
        text: `message ${n}`,
        kind: 'reply',
      },
    });
    ids.push(event.data.outboundId);
    await publisher.publish(OutboundReady, t.subjects.outboundReady('http'), event);
  };
  try {
    await send(1);
    stopPostgres(pg);
    for (let n = 2; n <= 6; n++) {
      await send(n);
      await sleep(OUTAGE_MS / 5);
    }
    await pg.restart();

    const deadline = Date.now() + 60_000;
    let handled: string[] = [];
    while (Date.now() < deadline) {
      handled = (await pool.query<{ outbound_id: string }>('SELECT outbound_id FROM handled')).rows.map(
        (r) => r.outbound_id,
      );
      if (handled.length === ids.length) break;
      await sleep(200);
    }
    expect(handled.sort()).toEqual([...ids].sort());
    const dlq = await jsm.streams.info(t.streams.DLQ.name);
    expect(dlq.state.messages).toBe(0);
  } finally {
    await runner.stop(1_000);
  }
}, 180_000);
