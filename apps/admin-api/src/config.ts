import { BaseConfig } from '@clawfleet/platform';
import { z } from 'zod';

export const AdminConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8085),
});
export type AdminConfig = z.infer<typeof AdminConfig>;
