import { Provisioning1732100000500 } from './1732100000500-provisioning';
import { Pairing1732100000840 } from './1732100000840-pairing';

/** Every app that reads the provisioning model lists these with its own migrations (applied once, by whichever runs first). */
export const provisioningMigrations = [Provisioning1732100000500, Pairing1732100000840];
