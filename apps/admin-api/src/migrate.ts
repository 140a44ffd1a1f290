import { migrateMain, runMain } from '@clawfleet/platform';
import { provisioningMigrations } from '@clawfleet/provisioning';
import { adminMigrations } from './migrations';

runMain(() => migrateMain('admin-api', [...adminMigrations, ...provisioningMigrations]));
