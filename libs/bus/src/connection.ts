import { readFileSync } from 'node:fs';
import { busInboxPrefix } from '@clawfleet/contracts';
import type { NatsAuthConfig } from '@clawfleet/platform';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';

/** How a process signs in to NATS (NATS_CREDS, NATS_USER/NATS_PASSWORD or NATS_TOKEN). */
export type NatsAuth =
  { readonly credsFile: string } | { readonly user: string; readonly password: string } | { readonly token: string };

/** The credentials a validated configuration gives, if any (`parseConfig` has refused half or two kinds). */
export function natsAuthOf(config: Partial<NatsAuthConfig>): NatsAuth | undefined {
  if (config.NATS_CREDS) return { credsFile: config.NATS_CREDS };
  if (config.NATS_USER && config.NATS_PASSWORD) return { user: config.NATS_USER, password: config.NATS_PASSWORD };
  if (config.NATS_TOKEN) return { token: config.NATS_TOKEN };
  return undefined;
}

/** Which credentials, as a log line or an error may say it: never the secret. */
export function describeNatsAuth(auth: NatsAuth | undefined): string {
  if (!auth) return 'no credentials';
  if ('credsFile' in auth) return `the creds file ${auth.credsFile}`;
  if ('user' in auth) return `user "${auth.user}"`;
  return 'a token';
}

function authOptions(auth: NatsAuth | undefined): Partial<ConnectionOptions> {
  if (!auth) return {};
  // Read at every (re)connect: a rotated file takes effect without a restart.
  if ('credsFile' in auth) return { authenticator: credsAuthenticator(() => readFileSync(auth.credsFile)) };
  if ('user' in auth) return { user: auth.user, pass: auth.password };
  return { token: auth.token };
}

/**
 * Logs every refusal the server reports on the connection (a subject the user may not publish or
 * subscribe to) as an error with the operation and subject: a deployment out of step with the
 * code is never silent. Runs for as long as the connection lives.
 */
export function reportNatsRefusals(
  nc: NatsConnection,
  logger: { error(fields: object, message: string): void },
  auth: NatsAuth | undefined,
): void {
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type !== 'error') continue;
      const error = status.error as Error & { operation?: string; subject?: string };
      const refused = error.name === 'PermissionViolationError';
      logger.error(
        { operation: error.operation, subject: error.subject, nats: describeNatsAuth(auth) },
        `${refused ? 'NATS refused' : 'NATS error'}: ${error.message}`,
      );
    }
  })();
}

/** The servers of a NATS_URL without any `user:password@` in them. */
const hostsOf = (url: string) =>
  url
    .split(',')
    .map((u) => u.trim().replace(/^([a-z]+:\/\/)?[^@/]*@/i, '$1'))
    .join(',');

/**
 * Connects to NATS and keeps reconnecting for as long as the process lives. Replies come to the
 * service's own inbox prefix (`_INBOX.<name>`), the only inbox its NATS user may read. Credentials
 * the server refuses end the attempt (nats.js gives up after the same refusal twice) with an error
 * that says so and which credentials were used, never the secret.
 */
export async function connectNats(
  url: string,
  name: string,
  options: { auth?: NatsAuth } = {},
): Promise<NatsConnection> {
  try {
    return await connect({
      servers: url.split(','),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
      timeout: 5_000,
      // Otherwise every request (each JetStream publish) builds two Errors with stack traces up front,
      // only to say where a timeout started: ≈ 2 % of session-runner's CPU in the bench profile.
      noAsyncTraces: true,
      inboxPrefix: busInboxPrefix(name),
      ...authOptions(options.auth),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === 'AuthorizationError') {
      throw new Error(
        `NATS at ${hostsOf(url)} refused ${name}'s credentials (${describeNatsAuth(options.auth)}): ${reason}. ` +
          'Check NATS_CREDS, NATS_USER/NATS_PASSWORD or NATS_TOKEN against the server (deploy/nats, `npm run nats-config`).',
        { cause: error },
      );
    }
    throw new Error(
      `cannot connect ${name} to NATS at ${hostsOf(url)} (${describeNatsAuth(options.auth)}): ${reason}`,
      { cause: error },
    );
  }
}
