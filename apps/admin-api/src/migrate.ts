import { migrateMain, runMain } from '@clawfleet/platform';
import { adminMigrations } from './migrations';

runMain(() => migrateMain('admin-api', adminMigrations));
