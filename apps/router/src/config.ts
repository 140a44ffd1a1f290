import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

export const RouterConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** The agent a chat is bound to when no binding names another. */
  DEFAULT_AGENT_ID: z.string().min(1).max(100).default('default'),
});
export type RouterConfig = z.infer<typeof RouterConfig>;
export const ROUTER_CONFIG = Symbol('ROUTER_CONFIG');
