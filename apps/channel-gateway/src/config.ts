import { TenantId } from '@clawfleet/contracts';
import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

export const GatewayConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The tenant whose agents answer the HTTP/CLI channel. */
  HTTP_CHANNEL_TENANT: TenantId.default('default'),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
