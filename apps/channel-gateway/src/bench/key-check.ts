/**
 * Benchmark: what the key check adds to a post of the HTTP channel.
 *
 *   DATABASE_URL=postgres://… node apps/channel-gateway/dist/bench/key-check.js [seconds] [checks per second]
 *
 * The database must hold `auth.api_keys` (admin-api migrated it; `npm run bench` runs this on its
 * database). Makes one channel:client key, then runs the gateway's own check of a post's
 * `Authorization` header (`ChannelAuth.check`: the Bearer header, libs/auth's KeyVerifier with the
 * gateway's default cache of 1 s, the scope) at a steady rate for `seconds`, timing each check.
 * The steady rate matters: once a second the key's cache entry has expired and that check reads
 * PostgreSQL, so those reads are in the sample (the p99, not the p50, at 1,000 checks a second).
 * The same run with no cache (every check reads the key) shows what the cache saves. Prints one
 * JSON document to stdout.
 */
import { ApiKeysRepository, generateKey, KeyVerifier } from '@clawfleet/auth';
import { createDataSource, uuidV7Ids } from '@clawfleet/platform';
import { performance } from 'node:perf_hooks';
import { ChannelAuth } from '../auth/channel-auth';

const seconds = Number(process.argv[2] ?? 3);
const rate = Number(process.argv[3] ?? 1_000);

interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

function summarize(ms: number[]): Summary {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (v: number) => Math.round(v * 1_000) / 1_000;
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1)!),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** Checks `authorization` at `perSecond` for `forMs`, timing each check; counts the reads of PostgreSQL. */
async function run(auth: ChannelAuth, reads: { n: number }, authorization: string, forMs: number, perSecond: number) {
  const times: number[] = [];
  const readsBefore = reads.n;
  const start = performance.now();
  for (let i = 0; performance.now() - start < forMs; i++) {
    const t0 = performance.now();
    const checked = await auth.check(authorization);
    times.push(performance.now() - t0);
    if (!checked.ok) throw new Error(`the key was refused: ${checked.error.message}`);
    const due = start + ((i + 1) * 1_000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { ...summarize(times), databaseReads: reads.n - readsBefore };
}

async function main() {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'bench-key-check', migrations: [] });
  await dataSource.initialize();
  try {
    const keys = new ApiKeysRepository(dataSource);
    const generated = generateKey();
    await keys.insert({
      id: uuidV7Ids.next(),
      prefix: generated.prefix,
      hash: generated.hash,
      tenantId: 'bench',
      scope: 'channel:client',
      userId: 'bench-key-check',
      name: 'bench: key check',
      createdBy: 'bench',
      expiresAt: null,
    });
    const reads = { n: 0 };
    const counting = Object.create(keys, {
      findByPrefix: { value: (prefix: string) => (reads.n++, keys.findByPrefix(prefix)) },
    }) as ApiKeysRepository;
    const authorization = `Bearer ${generated.key}`;
    const cached = new ChannelAuth(new KeyVerifier(counting, { cacheMs: 1_000 }));
    const uncached = new ChannelAuth(new KeyVerifier(counting, { cacheMs: 0 }));
    // Warm-up: JIT, the prepared statement, the pool's connections.
    await run(cached, reads, authorization, 300, rate);
    await run(uncached, reads, authorization, 300, rate);
    const keyCheck = {
      seconds,
      checksPerSecond: rate,
      cacheMs: 1_000,
      cached: await run(cached, reads, authorization, seconds * 1_000, rate),
      everyCheckReads: await run(uncached, reads, authorization, Math.min(seconds, 2) * 1_000, Math.min(rate, 500)),
    };
    process.stdout.write(`${JSON.stringify({ keyCheck })}\n`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
