import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

export const RouterConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** The tenant that routes before anything is provisioned (npm start's terminal chat has a key in it). */
  DEFAULT_TENANT_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
    .default('default'),
  /** The agent a chat is bound to when no binding names another and the tenant names no default agent. */
  DEFAULT_AGENT_ID: z.string().min(1).max(100).default('default'),
  /** How long a replica routes with a tenant's provisioning data before reloading it (changes also drop it at once). */
  ROUTING_CACHE_TTL_MS: z.coerce.number().int().min(100).default(30_000),
  /** How long a mention keeps a mention-sticky agent answering without being mentioned again. */
  MENTION_STICKY_MS: z.coerce.number().int().min(0).default(600_000),
  /** How long a pairing code offered to an unknown sender may be approved. */
  PAIRING_CODE_TTL_MS: z.coerce.number().int().min(10_000).default(3_600_000),
  /** An unknown sender is offered a new code at most this often; their messages in between get nothing. */
  PAIRING_OFFER_INTERVAL_MS: z.coerce.number().int().min(0).default(600_000),
  /** Unexpired codes pending per tenant; past it, unknown senders are ignored without an answer. */
  PAIRING_MAX_PENDING: z.coerce.number().int().min(1).default(100),
});
export type RouterConfig = z.infer<typeof RouterConfig>;
export const ROUTER_CONFIG = Symbol('ROUTER_CONFIG');
