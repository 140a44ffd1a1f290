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
