/**
 * The records a service keeps in PostgreSQL that another service reads: each table's migrations and
 * the code that reads and writes it, in one place, used by its owner and by the admin API alike.
 * The owner is the only writer, except where a function says otherwise (`ParkedSessions.release`).
 */
import { DeliveryFailures1732100000830 } from './delivery/migrations/1732100000830-delivery-failures';
import { Delivery1732100000200 } from './delivery/migrations/1732100000200-delivery';
import { Router1732100000100 } from './router/migrations/1732100000100-router';
import { RoutingOutcomes1732100000600 } from './router/migrations/1732100000600-routing-outcomes';
import { Runner1732100000300 } from './runner/migrations/1732100000300-runner';
import { Budgets1732100000400 } from './runner/migrations/1732100000400-budgets';
import { ParkedSessions1732100000500 } from './runner/migrations/1732100000500-parked-sessions';
import { SessionIndex1732100000830 } from './runner/migrations/1732100000830-session-index';
import { UsageByModel1732100000840 } from './runner/migrations/1732100000840-usage-by-model';

export * from './keyset';
export * from './runner/session-index';
export * from './runner/daily-usage';
export * from './runner/parked-sessions';
export * from './router/inbound-outcomes';
export * from './delivery/delivery-log';

/** session-runner's tables (`runner.*`): leases and the circuit, budgets, the session index, daily usage (by model). */
export const runnerRecordMigrations = [
  Runner1732100000300,
  Budgets1732100000400,
  ParkedSessions1732100000500,
  SessionIndex1732100000830,
  UsageByModel1732100000840,
];
/** The router's tables (`router.*`): chat sessions, routed messages, outcomes, accumulated context. */
export const routerRecordMigrations = [Router1732100000100, RoutingOutcomes1732100000600];
/** Delivery's tables (`delivery.*`). */
export const deliveryRecordMigrations = [Delivery1732100000200, DeliveryFailures1732100000830];
