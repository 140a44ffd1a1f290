import { TenantId } from '@clawfleet/contracts';
import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

const Count = z.coerce.number().int().min(1);

export const GatewayConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The tenant whose agents answer the HTTP/CLI channel. */
  HTTP_CHANNEL_TENANT: TenantId.default('default'),
  /** Open SSE reply streams per chat; one more is refused with 429. */
  SSE_MAX_STREAMS_PER_CHAT: Count.default(8),
  /** Open SSE reply streams per client address, over all chats. */
  SSE_MAX_STREAMS_PER_CLIENT: Count.default(512),
  /** Open SSE reply streams of one gateway process (each is a JetStream consumer). */
  SSE_MAX_STREAMS: Count.default(4_096),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
