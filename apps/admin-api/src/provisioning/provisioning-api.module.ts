import { DynamicModule, Module } from '@nestjs/common';
import { AgentsController } from '../agents/agents.controller';
import { BindingsController } from '../bindings/bindings.controller';
import { ChannelsController } from '../channels/channels.controller';
import { ADMIN_CONFIG, type AdminConfig } from '../config';
import { GroupsController } from '../groups/groups.controller';
import { TenantsController } from '../tenants/tenants.controller';
import { UsersController } from '../users/users.controller';
import { ProvisioningChanges } from './changes';
import { RecordsModule } from '../records/records.module';

/**
 * The provisioning resources: tenants, agents (with versions and relationships), channels,
 * messaging groups, bindings, users (with identities and roles). Every write goes through
 * ProvisioningChanges: the change, its audit event and its announcement commit together.
 */
@Module({})
export class ProvisioningApiModule {
  static forRoot(config: AdminConfig): DynamicModule {
    return {
      module: ProvisioningApiModule,
      imports: [RecordsModule],
      controllers: [
        TenantsController,
        AgentsController,
        ChannelsController,
        GroupsController,
        BindingsController,
        UsersController,
      ],
      providers: [{ provide: ADMIN_CONFIG, useValue: config }, ProvisioningChanges],
    };
  }
}
