import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/**
 * Every TCP connection this process tries while the probe is on (from `net.connect`, so `http`,
 * `https`, database and bus clients alike), seen through Node's `net.client.socket` diagnostics
 * channel: a test asserts that a refusal happened before any socket was opened to the refused place.
 */
export interface ConnectionProbe {
  /** `address:port` of each attempt, in order (Unix sockets are left out). */
  readonly attempts: readonly string[];
  stop(): void;
}

export function probeConnections(): ConnectionProbe {
  const attempts: string[] = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    socket.on('connectionAttempt', (address: string, port?: number) => {
      if (port !== undefined) attempts.push(`${address}:${port}`);
    });
  };
  diagnostics.subscribe('net.client.socket', onSocket);
  return { attempts, stop: () => diagnostics.unsubscribe('net.client.socket', onSocket) };
}
