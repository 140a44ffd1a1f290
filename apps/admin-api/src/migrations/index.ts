import { authMigrations } from '@clawfleet/auth';
import { eventStoreMigrations } from '@clawfleet/event-store';
import { deliveryRecordMigrations, routerRecordMigrations, runnerRecordMigrations } from '@clawfleet/records';
import { RateLimits1732100000830 } from './1732100000830-rate-limits';

/**
 * admin-api's own tables (keys, the audit trail in the event store, rate limits), and those of the
 * services whose records it reads (libs/records), so it answers whichever service migrated first.
 */
export const adminMigrations = [
  ...eventStoreMigrations,
  ...authMigrations,
  RateLimits1732100000830,
  ...runnerRecordMigrations,
  ...routerRecordMigrations,
  ...deliveryRecordMigrations,
];
