import { eventStoreMigrations } from '@clawfleet/event-store';
import { provisioningMigrations } from '@clawfleet/provisioning';
import { runnerRecordMigrations } from '@clawfleet/records';

/**
 * session-runner's own tables live in libs/records (the admin API reads them); it reads agents from
 * the provisioning model (and seeds the default one), so it applies those migrations too.
 */
export const runnerMigrations = [...eventStoreMigrations, ...runnerRecordMigrations, ...provisioningMigrations];
