import { serviceImports } from '@clawfleet/bus';
import { provisioningEntities } from '@clawfleet/provisioning';
import { DynamicModule, Module } from '@nestjs/common';
import { ROUTER_CONFIG, type RouterConfig } from './config';
import { routerMigrations } from './migrations';
import { InboundOutcomes } from './routing/inbound-outcomes';
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
        InboundOutcomes,
        PendingContext,
        RouterConsumer,
      ],
    };
  }
}
