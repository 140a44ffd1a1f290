import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

export const DeliveryConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8084),
});
export type DeliveryConfig = z.infer<typeof DeliveryConfig>;
