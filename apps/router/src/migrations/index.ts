import { provisioningMigrations } from '@clawfleet/provisioning';
import { Router1732100000100 } from './1732100000100-router';
import { RoutingOutcomes1732100000600 } from './1732100000600-routing-outcomes';

/** The router reads the provisioning model, so it applies its migrations too (once, whoever runs first). */
export const routerMigrations = [Router1732100000100, ...provisioningMigrations, RoutingOutcomes1732100000600];
