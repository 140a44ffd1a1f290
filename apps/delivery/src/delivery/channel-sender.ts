import type { Channel, OutboundReady } from '@clawfleet/contracts';

export interface SendResult {
  readonly channelMessageIds: string[];
}

/**
 * Sends one reply on one channel. `idempotent` senders may be called again for the same outbound id
 * without the user seeing it twice (the HTTP mailbox deduplicates on it); others are called at most once.
 */
export interface ChannelSender {
  readonly channels: readonly Channel[];
  readonly idempotent: boolean;
  send(outbound: OutboundReady): Promise<SendResult>;
}

export const CHANNEL_SENDERS = Symbol('CHANNEL_SENDERS');
