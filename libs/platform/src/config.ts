import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** An empty value is the same as none (a blank line in .env, an unset Kubernetes secret key). */
const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/**
 * How a service signs in to NATS: a `.creds` file (user JWT and nkey seed), a user and password, or
 * a token; none of them when the server needs no authentication (a local nats-server). Each service
 * gets its own user, allowed only its own subjects (deploy/nats, decision 21). Never logged.
 */
export const NatsAuthConfig = z.object({
  /** Path of a `.creds` file; read again at every reconnect, so a rotated file takes effect. */
  NATS_CREDS: optionalSecret,
  NATS_USER: optionalSecret,
  NATS_PASSWORD: optionalSecret,
  NATS_TOKEN: optionalSecret,
});
export type NatsAuthConfig = z.infer<typeof NatsAuthConfig>;

/** What is wrong with a combination of NATS credentials: each a line of the boot error. Never shows a value. */
export function natsAuthProblems(config: Partial<NatsAuthConfig>): string[] {
  const problems: string[] = [];
  const given = [
    config.NATS_CREDS !== undefined && 'NATS_CREDS',
    (config.NATS_USER !== undefined || config.NATS_PASSWORD !== undefined) && 'NATS_USER/NATS_PASSWORD',
    config.NATS_TOKEN !== undefined && 'NATS_TOKEN',
  ].filter(Boolean);
  if (given.length > 1)
    problems.push(`NATS: set one of NATS_CREDS, NATS_USER/NATS_PASSWORD, NATS_TOKEN (got ${given.join(' and ')})`);
  if ((config.NATS_USER === undefined) !== (config.NATS_PASSWORD === undefined)) {
    problems.push(
      `${config.NATS_USER === undefined ? 'NATS_USER' : 'NATS_PASSWORD'}: required with ${config.NATS_USER === undefined ? 'NATS_PASSWORD' : 'NATS_USER'}`,
    );
  }
  if (config.NATS_CREDS !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(config.NATS_CREDS, 'utf8');
    } catch (error) {
      problems.push(
        `NATS_CREDS: cannot read ${config.NATS_CREDS} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (
      text !== undefined &&
      !(/-----BEGIN NATS USER JWT-----/.test(text) && /-----BEGIN USER NKEY SEED-----/.test(text))
    ) {
      problems.push(`NATS_CREDS: ${config.NATS_CREDS} is not a .creds file (a user JWT and an nkey seed)`);
    }
  }
  return problems;
}

/** Configuration every service reads. Each app extends it with its own keys. */
export const BaseConfig = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  ...NatsAuthConfig.shape,
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
  /**
   * Create and update the streams at start-up (the default, as on a local server). `false` where the
   * service's NATS user may not (deploy/nats): the streams are the provisioner's (`npm run
   * nats-provision`, a deploy job); the service only checks they exist and keeps its own consumers.
   */
  BUS_PROVISION_STREAMS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
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
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  // Settings that are only wrong together (zod refinements cannot be extended by the apps' schemas).
  const data = (result.success ? result.data : env) as Partial<NatsAuthConfig>;
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  if (shape && 'NATS_USER' in shape) {
    const auth = NatsAuthConfig.safeParse(data);
    if (auth.success) problems.push(...natsAuthProblems(auth.data));
  }
  if (!result.success || problems.length) {
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return result.data;
}

/** Settings whose value is a secret, by name: a password, token, key, key ring or credentials. */
export const isSecretSetting = (name: string): boolean =>
  /(PASSWORD|TOKEN|SECRET|_KEY|_KEYS|CREDS|CREDENTIALS)$/.test(name);

/** `scheme://user:password@` in a URL or a comma-separated list of them. */
const URL_PASSWORD = /((?:^|,)\s*[a-z][a-z0-9+.-]*:\/\/[^/@:\s,]*):[^/@\s,]*@/gi;

/**
 * A configuration as it may be shown (a boot log line, a diagnostics dump): every secret replaced
 * by `[redacted]`, and a password in a URL too.
 */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => {
      if (value === undefined) return [key, value];
      if (isSecretSetting(key)) return [key, '[redacted]'];
      if (typeof value === 'string') return [key, value.replace(URL_PASSWORD, '$1:[redacted]@')];
      return [key, value];
    }),
  );
}
