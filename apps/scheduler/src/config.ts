import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

export const SchedulerConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8083),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfig>;
