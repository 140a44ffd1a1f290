import { migrateMain, runMain } from '@clawfleet/platform';
import { runnerMigrations } from './migrations';

runMain(() => migrateMain('session-runner', runnerMigrations));
