import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

const Count = z.coerce.number().int().min(1);

export const GatewayConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Open SSE reply streams per chat; one more is refused with 429. */
  SSE_MAX_STREAMS_PER_CHAT: Count.default(8),
  /** Open SSE reply streams of one user (a key's user), over all their chats. */
  SSE_MAX_STREAMS_PER_CLIENT: Count.default(512),
  /** Open SSE reply streams of one gateway process (each is a JetStream consumer). */
  SSE_MAX_STREAMS: Count.default(4_096),
  /**
   * How long a verified key is trusted before it is read again: a revoked key stops working, and its
   * open reply streams end, within about this time.
   */
  AUTH_KEY_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  /** While PostgreSQL cannot be read, how long a key read before is still trusted (0: not at all). */
  AUTH_KEY_STALE_MS: z.coerce.number().int().min(0).default(600_000),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
