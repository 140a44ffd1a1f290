import { migrateMain, runMain } from '@clawfleet/platform';
import { routerMigrations } from './migrations';

runMain(() => migrateMain('router', routerMigrations));
