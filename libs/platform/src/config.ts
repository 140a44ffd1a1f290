import { z } from 'zod';

/** Configuration every service reads. Each app extends it with its own keys. */
export const BaseConfig = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Prefix of every stream and subject; lets several installations (or test runs) share a NATS server. */
  BUS_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9_-]{0,40}$/)
    .default(''),
  /**
   * How long a message whose handler fails with a retryable error (a dependency down) is retried,
   * from its publish, before it is dead-lettered. An outage shorter than this loses nothing.
   */
  BUS_RETRY_BUDGET_MS: z.coerce.number().int().min(60_000).default(600_000),
  /** Caps every redelivery delay (ms): how soon after an outage retried work resumes at the latest. */
  BUS_RETRY_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(60_000).default(5_000),
  /** Replicas of every stream (1 on a single server, 3 on a JetStream cluster); a higher existing value is kept. */
  BUS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Oldest message kept in the work streams (ms); a longer existing max age is kept. */
  BUS_STREAM_MAX_AGE_MS: z.coerce.number().int().min(60_000).default(7 * 86_400_000),
  /** Bytes kept per stream; -1: no limit. A larger existing limit is kept. */
  BUS_STREAM_MAX_BYTES: z.coerce.number().int().min(-1).default(-1).refine((v) => v === -1 || v >= 1_048_576, {
    message: 'must be -1 (no limit) or at least 1 MiB',
  }),
  /** Oldest dead letter kept (ms). */
  BUS_DLQ_MAX_AGE_MS: z.coerce.number().int().min(60_000).default(30 * 86_400_000),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/clawfleet'),
  /** Run pending migrations at boot (local use and tests); production runs them as a Job. */
  DB_MIGRATE_ON_BOOT: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Port of /healthz, /readyz and (for HTTP apps) the API. 0 picks a free port. */
  PORT: z.coerce.number().int().min(0).max(65535),
  /** Time allowed for in-flight work on SIGTERM before it is handed back to the bus. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

export class ConfigError extends Error {}

/** Parses the environment with a zod schema; a bad value stops the process at boot with every problem listed. */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  return result.data;
}
