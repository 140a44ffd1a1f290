/**
 * Benchmark: the routing decision per message, with a large tenant loaded.
 *
 *   DATABASE_URL=postgres://… node apps/router/dist/bench/routing-cost.js [bindings users messages]
 *
 * Migrates the database, provisions one tenant with `bindings` bindings (two per group, in every
 * engage mode and sender scope, some with a pair policy), `users` users with an identity each (one
 * in a hundred with a role), loads its routing data the way the router does (`loadRouting`: five
 * statements), then times the pure `route()` on `messages` messages of known and unknown senders,
 * commands among them, in-process. The target: p99 ≤ 2 ms with 10,000 bindings and 100,000
 * users. Prints one JSON document to stdout. Used by `npm run bench`.
 */
import { createDataSource, migrate } from '@clawfleet/platform';
import { ProvisioningRepository } from '@clawfleet/provisioning';
import { routerMigrations } from '../migrations';
import { route, type Inbound, type SessionIndex } from '../routing/route';

const TENANT = 'bench-routing';
const AGENTS = 50;

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const us = (ms: number) => Math.round(ms * 1_000) / 1_000; // ms with µs precision

async function provision(url: string, bindings: number, users: number) {
  const ds = createDataSource({ url, poolSize: 2, applicationName: 'bench-routing', migrations: routerMigrations });
  await ds.initialize();
  await migrate(ds);
  const q = (sql: string, params: unknown[] = []) => ds.query(sql, params);
  const groups = Math.ceil(bindings / 2);
  // Set-based inserts: seconds for the whole tenant.
  await q(`DELETE FROM provisioning.tenants WHERE id = $1`, [TENANT]);
  await q(`INSERT INTO provisioning.tenants (id, name) VALUES ($1, $1)`, [TENANT]);
  await q(
    `INSERT INTO provisioning.agents (tenant_id, id, name, enabled, current_version)
     SELECT $1, 'agent-' || i, 'agent-' || i, true, 1 FROM generate_series(0, $2 - 1) i`,
    [TENANT, AGENTS],
  );
  await q(
    `INSERT INTO provisioning.agent_versions (tenant_id, agent_id, version, config)
     SELECT $1, 'agent-' || i, 1, jsonb_build_object('instructions', 'bench', 'allowedModels', jsonb_build_array('m'))
     FROM generate_series(0, $2 - 1) i`,
    [TENANT, AGENTS],
  );
  await q(
    `INSERT INTO provisioning.messaging_groups (tenant_id, id, channel, chat_id, name)
     SELECT $1, md5('g' || i)::uuid, 'telegram', 'chat-' || i, '' FROM generate_series(0, $2 - 1) i`,
    [TENANT, groups],
  );
  await q(
    `INSERT INTO provisioning.bindings (tenant_id, id, group_id, agent_id, engage_mode, pattern, sender_scope,
       ignored_policy, session_scope, unknown_senders)
     SELECT $1, md5('b' || i)::uuid, md5('g' || (i / 2))::uuid, 'agent-' || ((i / 2 + i % 2) % $3),
       (ARRAY['always', 'pattern', 'mention', 'mention-sticky'])[1 + i % 4],
       CASE WHEN i % 4 = 1 THEN 'urgent|asap' END,
       (ARRAY['all', 'known'])[1 + (i / 4) % 2],
       (ARRAY['drop', 'accumulate'])[1 + (i / 8) % 2],
       (ARRAY['shared', 'per-thread', 'per-user'])[1 + i % 3],
       CASE WHEN i % 16 = 5 THEN 'pair' ELSE 'ignore' END
     FROM generate_series(0, $2 - 1) i`,
    [TENANT, bindings, AGENTS],
  );
  await q(
    `INSERT INTO provisioning.users (tenant_id, id, display_name)
     SELECT $1, md5('u' || i)::uuid, 'user ' || i FROM generate_series(0, $2 - 1) i`,
    [TENANT, users],
  );
  await q(
    `INSERT INTO provisioning.channel_identities (tenant_id, channel, external_id, user_id)
     SELECT $1, 'telegram', 'sender-' || i, md5('u' || i)::uuid FROM generate_series(0, $2 - 1) i`,
    [TENANT, users],
  );
  await q(
    `INSERT INTO provisioning.roles (tenant_id, user_id, agent_id, role)
     SELECT $1, md5('u' || i)::uuid, '', (ARRAY['owner', 'admin', 'member'])[1 + i % 3]
     FROM generate_series(0, $2 - 1, 100) i`,
    [TENANT, users],
  );
  return { ds, groups };
}

async function main() {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  const [bindings = 10_000, users = 100_000, messages = 50_000] = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const { ds, groups } = await provision(url, bindings, users);
  try {
    const repository = new ProvisioningRepository(ds);
    const loadStarted = performance.now();
    const data = await repository.loadRouting(TENANT);
    const loadMs = performance.now() - loadStarted;
    const loadedBindings = [...data.groups.values()].reduce((n, g) => n + g.bindings.length, 0);
    // Every identity row, and each user's own id as their http identity: at least one per user.
    if (loadedBindings !== bindings || data.identities.size < users)
      throw new Error(`loaded ${loadedBindings} bindings and ${data.identities.size} identities`);

    // What the router's index answers: a few stickinesses, no pending pairing.
    const index: SessionIndex = {
      stickyUntil: (_a, key) => (key.length % 7 === 0 ? Date.now() + 60_000 : undefined),
      pairing: () => ({ pendingCount: 0 }),
    };
    const options = { stickyMs: 600_000, pairing: { intervalMs: 600_000, maxPending: 100 } };
    const texts = [
      'hello there',
      'this is urgent',
      'hi @agent-3 what now',
      '/status',
      '/model m',
      '/usage',
      'a longer message '.repeat(20),
    ];
    const receivedAt = new Date().toISOString();
    const inboundOf = (i: number): Inbound => ({
      tenantId: TENANT,
      chat: {
        channel: 'telegram',
        chatId: `chat-${(i * 7919) % groups}`,
        ...(i % 5 === 0 && { threadId: String(i % 11) }),
      },
      messageId: `m-${i}`,
      // Nine in ten from known users, the rest from senders nobody knows.
      sender: { id: i % 10 === 0 ? `stranger-${i}` : `sender-${(i * 104_729) % users}` },
      text: texts[i % texts.length]!,
      receivedAt,
    });
    const outcomes = { engaged: 0, ignored: 0, refused: 0 };
    // Warm-up: the JIT and the compiled patterns.
    for (let i = 0; i < 5_000; i++) route(inboundOf(i), data, index, options);
    const samples = new Float64Array(messages);
    for (let i = 0; i < messages; i++) {
      const inbound = inboundOf(i + 5_000);
      const started = performance.now();
      const result = route(inbound, data, index, options);
      samples[i] = performance.now() - started;
      outcomes[result.outcome]++;
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const routing = {
      bindings,
      users,
      groups,
      messages,
      loadMs: Math.round(loadMs),
      p50Ms: us(percentile(sorted, 50)),
      p90Ms: us(percentile(sorted, 90)),
      p99Ms: us(percentile(sorted, 99)),
      maxMs: us(sorted.at(-1)!),
      outcomes,
    };
    process.stdout.write(`${JSON.stringify({ routing })}\n`);
  } finally {
    await ds.destroy(); // the tenant stays: the bench's database is dropped after the run
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`routing-cost: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
