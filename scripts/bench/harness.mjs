// The platform a benchmark runs against: a fresh database, a unique bus namespace, an instant fake
// OpenAI model and the six apps as processes — and one idempotent teardown for success, failure and Ctrl-C.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, say } from '../lib/common.mjs';

const require = createRequire(import.meta.url);

/** The built testing library and bus helpers; call only after the build. */
export function loadLibs() {
  return {
    testing: require(path.join(ROOT, 'libs/testing/dist/index.js')),
    contracts: require(path.join(ROOT, 'libs/contracts/dist/index.js')),
    auth: require(path.join(ROOT, 'libs/auth/dist/index.js')),
    transport: require(require.resolve('@nats-io/transport-node', { paths: [ROOT] })),
    jetstream: require(require.resolve('@nats-io/jetstream', { paths: [ROOT] })),
    pg: require(require.resolve('pg', { paths: [ROOT] })),
  };
}

/** Deletes every stream of the namespace: the topology's streams and anything else named after it (KV buckets). */
async function deleteStreams(libs, natsUrl, namespace) {
  const nc = await libs.transport.connect({ servers: natsUrl });
  try {
    const jsm = await libs.jetstream.jetstreamManager(nc);
    const ours = new Set(Object.values(libs.contracts.topology(namespace).streams).map((s) => s.name));
    const upper = namespace.toUpperCase();
    for await (const name of jsm.streams.names()) if (name.toUpperCase().includes(upper)) ours.add(name);
    let deleted = 0;
    for (const name of ours) if (await jsm.streams.delete(name).catch(() => false)) deleted++;
    return deleted;
  } finally {
    await nc.close();
  }
}

/**
 * Cleanup steps, run in reverse order by run(): safe to call more than once, from a signal handler and
 * while startBench() is still starting things; never throws. A step added after run() runs at once.
 */
export function createCleanup() {
  const steps = [];
  let running;
  const runStep = async ([what, step]) => {
    try {
      await step();
    } catch (error) {
      say(`bench cleanup: ${what} failed: ${error?.message ?? error}`);
    }
  };
  return {
    add(what, step) {
      if (running) return runStep([what, step]);
      steps.push([what, step]);
    },
    run: () =>
      (running ??= (async () => {
        while (steps.length) await runStep(steps.pop());
      })()),
  };
}

/** The user every bench chat belongs to (one channel:client key, as one client would have). */
export const BENCH_USER = 'bench-user';

/**
 * Starts the bench platform: { db, model, platform, gateway, admin, chatKey, namespace, query, stopPlatform }; cleanup
 * gets every undo step. `beforeLaunch(db)` runs on the new database before any app connects (e.g. to set
 * log_statement on it).
 */
export async function startBench(libs, cleanup, { env = {}, beforeLaunch } = {}) {
  const { testing } = libs;
  const steps = { push: ([what, step]) => cleanup.add(what, step) };

  try {
    const db = await testing.createTestDatabase('cf_bench');
    steps.push(['drop database', () => db.drop()]);
    await beforeLaunch?.(db);
    const namespace = testing.uniqueNamespace('bench');
    steps.push(['delete streams', () => deleteStreams(libs, testing.TEST_NATS_URL, namespace)]);
    const model = await testing.startFakeOpenAI({ latencyMs: 0 });
    steps.push(['close fake model', () => model.close()]);
    const pgClient = new libs.pg.Client({ connectionString: db.url });
    await pgClient.connect();
    steps.push(['close pg client', () => pgClient.end()]);

    // The admin API with a key of the run's own, and no rate limit: the bench measures the list, not the limiter.
    const adminKey = `bench-${randomBytes(24).toString('hex')}`;
    // Registered before the launch resolves, so an interrupted start still ends with the apps stopped
    // before the streams they provision are deleted.
    const launching = testing.launchPlatform({
      databaseUrl: db.url,
      namespace,
      natsUrl: testing.TEST_NATS_URL,
      model: { baseUrl: model.url, apiKey: 'test-key', name: 'fake-model' },
      env: { LOG_LEVEL: 'warn', ...env },
      appEnv: { 'admin-api': { ADMIN_BOOTSTRAP_KEY: adminKey, RATE_LIMIT_PER_KEY: '0' } },
      stopTimeoutMs: 10_000,
    });
    let platformStopped;
    const stopPlatform = () =>
      (platformStopped ??= launching.then(
        (p) => p.stop(),
        () => undefined,
      ));
    steps.push(['stop platform', stopPlatform]);
    const platform = await launching;
    // The HTTP channel takes channel:client keys: one for the bench's user, made straight in the database.
    const mint = await testing.openKeyMint(db.url);
    const chatKey = (await mint.clientKey(BENCH_USER)).key;
    await mint.close();

    return {
      db,
      model,
      platform,
      namespace,
      gateway: platform.url('channel-gateway'),
      admin: { url: platform.url('admin-api'), key: adminKey },
      chatKey,
      query: async (sql, params) => (await pgClient.query(sql, params)).rows,
      stopPlatform,
    };
  } catch (error) {
    await cleanup.run();
    throw error;
  }
}

/** The last lines of every app's log, for a report of something that went wrong. */
export function appLogs(platform, lines = 40) {
  const out = {};
  for (const app of platform.instances) {
    try {
      out[app] = platform.logs(app, lines);
    } catch {
      out[app] = [];
    }
  }
  return out;
}

/** Peak (VmHWM) and current (VmRSS) resident memory of each app, in KiB, from /proc/<pid>/status. */
export async function memoryOf(platform) {
  const fs = await import('node:fs/promises');
  const out = {};
  for (const app of platform.instances) {
    const pid = platform.pid(app);
    if (!pid) continue;
    try {
      const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
      const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      out[app] = { pid, vmHwmKiB: kib('VmHWM'), vmRssKiB: kib('VmRSS') };
    } catch (error) {
      out[app] = { pid, error: String(error?.message ?? error) };
    }
  }
  return out;
}
