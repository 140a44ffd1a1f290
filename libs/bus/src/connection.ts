import { connect, type NatsConnection } from '@nats-io/transport-node';

/** Connects to NATS and keeps reconnecting for as long as the process lives. */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    timeout: 5_000,
    // Otherwise every request (each JetStream publish) builds two Errors with stack traces up front,
    // only to say where a timeout started: ≈ 2 % of session-runner's CPU in the bench profile.
    noAsyncTraces: true,
  });
}
