import { makeEnvelope } from '@clawfleet/bus';
import { ProvisioningChanged } from '@clawfleet/contracts';
import { createDataSource } from '@clawfleet/platform';
import { provisioningEntities, provisioningMigrations, ProvisioningRepository } from '@clawfleet/provisioning';
import type { DataSource } from 'typeorm';
import type { PlatformFixture } from './fixture';

export interface ProvisioningProbe {
  readonly repo: ProvisioningRepository;
  readonly dataSource: DataSource;
  /** Tells routers and runners that the tenant's provisioning changed, as admin-api does with every change. */
  changed(tenantId: string, kind: ProvisioningChanged['data']['kind'], id?: string): void;
  close(): Promise<void>;
}

/** The provisioning model of a running platform's database, written directly (admin-api's routes are tested on their own). */
export async function openProvisioning(f: PlatformFixture): Promise<ProvisioningProbe> {
  const dataSource = createDataSource({
    url: f.db.url,
    poolSize: 2,
    applicationName: 'e2e-provisioning',
    migrations: provisioningMigrations,
    entities: provisioningEntities,
  });
  await dataSource.initialize();
  return {
    repo: new ProvisioningRepository(dataSource),
    dataSource,
    changed(tenantId, kind, id) {
      const event = makeEnvelope(ProvisioningChanged, {
        tenantId,
        correlationId: 'e2e',
        data: { kind, ...(id && { id }) },
      });
      f.bus.publishCore(f.bus.topology.subjects.provisioningChanged(tenantId), JSON.stringify(event));
    },
    async close() {
      await dataSource.destroy();
    },
  };
}
