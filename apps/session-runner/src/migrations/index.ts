import { eventStoreMigrations } from '@clawfleet/event-store';
import { Runner1732100000300 } from './1732100000300-runner';

export const runnerMigrations = [...eventStoreMigrations, Runner1732100000300];
