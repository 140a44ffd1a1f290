import { eventStoreMigrations } from '@clawfleet/event-store';
import { Runner1732100000300 } from './1732100000300-runner';
import { Budgets1732100000400 } from './1732100000400-budgets';
import { ParkedSessions1732100000500 } from './1732100000500-parked-sessions';

export const runnerMigrations = [...eventStoreMigrations, Runner1732100000300, Budgets1732100000400, ParkedSessions1732100000500];
