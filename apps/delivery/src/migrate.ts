import { migrateMain, runMain } from '@clawfleet/platform';
import { deliveryMigrations } from './migrations';

runMain(() => migrateMain('delivery', deliveryMigrations));
