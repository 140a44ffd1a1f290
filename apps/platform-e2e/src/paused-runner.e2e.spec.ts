import { type ChatClient } from '@clawfleet/testing';
import { Client } from 'pg';
import { startPlatform, type PlatformFixture } from './support/fixture';

const CHATS = 10;
const LEASE_MS = 3_000;
const PAUSES = 4;
let f: PlatformFixture;

beforeAll(async () => {
  f = await startPlatform({
    modelLatencyMs: 20,
    replicas: { 'session-runner': 2 },
    env: { SESSION_LEASE_MS: String(LEASE_MS), SESSION_SWEEP_MS: '200' },
  });
}, 120_000);
afterAll(async () => {
  await f?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGSTOP, then SIGCONT: the process is frozen, as in a long GC pause or a frozen VM. */
async function pause(instance: 'session-runner' | 'session-runner#1', ms: number): Promise<void> {
  const pid = f.platform.pid(instance);
  if (pid === undefined) throw new Error(`${instance} is not running`);
  process.kill(-pid, 'SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    process.kill(-pid, 'SIGCONT');
  }
}

/** Where the missing replies stopped: the consumers' state, the store's counts, the runners' logs. */
async function explain(): Promise<void> {
  const out: unknown[] = [];
  for (const spec of f.bus.topology.consumers.filter((c) => c.group !== 'router')) {
    const info = await f.bus.jsm.consumers.info(f.bus.topology.streams[spec.stream].name, spec.durable);
    out.push({
      consumer: spec.durable,
      pending: info.num_pending,
      ackPending: info.num_ack_pending,
      waiting: info.num_waiting,
      redelivered: info.num_redelivered,
    });
  }
  const db = new Client({ connectionString: f.db.url });
  await db.connect();
  try {
    out.push((await db.query(`SELECT type, count(*)::int FROM eventstore.events GROUP BY type ORDER BY type`)).rows);
    out.push((await db.query(`SELECT count(*)::int AS outbox FROM eventstore.outbox`)).rows);
    out.push(
      (
        await db.query(
          `SELECT application_name, state, wait_event_type, wait_event, now() - xact_start AS xact_age, left(query, 120) AS query
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
        )
      ).rows,
    );
    out.push(
      (
        await db.query(`SELECT w.lease_owner IS NOT NULL AS leased, w.lease_expires_at > now() AS live, s.version > w.settled_version AS behind, count(*)::int
      FROM runner.session_work w JOIN eventstore.streams s USING (stream_id) GROUP BY 1, 2, 3`)
      ).rows,
    );
  } finally {
    await db.end();
  }
  process.stderr.write(`${JSON.stringify(out, null, 1)}\n`);
  for (const instance of ['session-runner', 'session-runner#1'] as const)
    process.stderr.write(`--- ${instance}\n${f.platform.logs(instance, 40).join('\n')}\n`);
}

describe('a session-runner paused past its lease (SIGSTOP, then SIGCONT) while chats keep talking', () => {
  it('strands no chat: every message gets exactly one reply, in order', async () => {
    const chats: ChatClient[] = await Promise.all(
      Array.from({ length: CHATS }, (_, i) => f.openChat(`paused-${i}`)),
    );
    const sent = new Map<string, string[]>(chats.map((c) => [c.chatId, []]));
    let sending = true;
    // Each chat posts every 150 ms without waiting for the post before (open loop): several messages
    // in flight per chat. Posts may overtake each other on the way in, so order is not checked here.
    const senders = chats.map(async (chat) => {
      const posts: Array<Promise<unknown>> = [];
      for (let n = 0; sending; n++) {
        const text = `${chat.chatId} message ${n}`;
        posts.push(chat.send(text, `${chat.chatId}-${n}`));
        sent.get(chat.chatId)!.push(`echo: ${text}`);
        await sleep(150);
      }
      await Promise.all(posts);
    });

    await sleep(2_000);
    for (let i = 0; i < PAUSES; i++) {
      // Alternate: each runner is the zombie in turn; 2–3 lease lengths frozen.
      await pause(i % 2 === 0 ? 'session-runner#1' : 'session-runner', 2 * LEASE_MS + (i % 2) * LEASE_MS);
      await sleep(1_500);
    }
    sending = false;
    await Promise.all(senders);

    // Every message of every chat answered exactly once: a stranded chat shows as its first unanswered message.
    const deadline = Date.now() + 90_000;
    const unanswered = () =>
      chats.flatMap((chat) => {
        const expected = sent.get(chat.chatId)!;
        const got = chat.replies.map((r) => r.text);
        const missing = expected.filter((text) => !got.includes(text));
        const duplicated = got.length - new Set(got).size;
        return missing.length === 0 && duplicated === 0
          ? []
          : [
              {
                chat: chat.chatId,
                sent: expected.length,
                missing: missing.length,
                firstMissing: missing[0],
                duplicated,
              },
            ];
      });
    while (unanswered().length > 0 && Date.now() < deadline) await sleep(250);
    // Quiet for a moment: a late duplicate would show up now.
    await sleep(1_000);
    const deadLetters = (await f.bus.messages('DLQ')).map((m) => m.header.get('Clawfleet-Dlq-Reason'));
    if (unanswered().length > 0) await explain();
    expect({
      unanswered: unanswered(),
      deadLetters: deadLetters.slice(0, 5),
      exits: f.platform.unexpectedExits(),
    }).toEqual({
      unanswered: [],
      deadLetters: [],
      exits: [],
    });
    await Promise.all(chats.map((c) => c.close()));
  }, 300_000);
});
