import { serviceImports } from '@clawfleet/bus';
import { InboundOutcomes } from '@clawfleet/records';
import { provisioningEntities } from '@clawfleet/provisioning';
import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ROUTER_CONFIG, type RouterConfig } from './config';
import { routerMigrations } from './migrations';
import { PendingContext } from './routing/pending-context';
import { RouterConsumer } from './routing/router.consumer';
import { RoutingCache } from './routing/routing-cache';
import { SessionDirectory } from './routing/session-directory';

@Module({})
export class AppModule {
  static forRoot(config: RouterConfig): DynamicModule {
    return {
      module: AppModule,
      imports: serviceImports('router', config, { migrations: routerMigrations, entities: provisioningEntities }),
      providers: [
        { provide: ROUTER_CONFIG, useValue: config },
        SessionDirectory,
        RoutingCache,
        { provide: InboundOutcomes, inject: [DataSource], useFactory: (ds: DataSource) => new InboundOutcomes(ds) },
        PendingContext,
        RouterConsumer,
      ],
    };
  }
}
