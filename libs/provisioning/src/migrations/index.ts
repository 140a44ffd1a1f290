import { Provisioning1732100000500 } from './1732100000500-provisioning';
import { AdminResources1732100000820 } from './1732100000820-admin-resources';
import { Pairing1732100000840 } from './1732100000840-pairing';
import { AgentSandbox1732100000850 } from './1732100000850-agent-sandbox';

/** Every app that reads the provisioning model lists these with its own migrations (applied once, by whichever runs first). */
export const provisioningMigrations = [
  Provisioning1732100000500,
  AdminResources1732100000820,
  Pairing1732100000840,
  AgentSandbox1732100000850,
];
