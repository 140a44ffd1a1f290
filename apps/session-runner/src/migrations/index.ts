import { eventStoreMigrations } from '@clawfleet/event-store';
import { provisioningMigrations } from '@clawfleet/provisioning';
import { Runner1732100000300 } from './1732100000300-runner';
import { Budgets1732100000400 } from './1732100000400-budgets';
import { ParkedSessions1732100000500 } from './1732100000500-parked-sessions';
import { SessionUsage1732100000840 } from './1732100000840-session-usage';

/** session-runner reads agents from the provisioning model (and seeds the default one), so it applies its migrations too. */
export const runnerMigrations = [
  ...eventStoreMigrations,
  Runner1732100000300,
  Budgets1732100000400,
  ParkedSessions1732100000500,
  ...provisioningMigrations,
  SessionUsage1732100000840,
];
