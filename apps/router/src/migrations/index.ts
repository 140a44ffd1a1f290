import { provisioningMigrations } from '@clawfleet/provisioning';
import { routerRecordMigrations } from '@clawfleet/records';

/**
 * The router's tables live in libs/records (the admin API reads the outcomes). It reads the
 * provisioning model, so it applies its migrations too (once, whoever runs first).
 */
export const routerMigrations = [...routerRecordMigrations, ...provisioningMigrations];
