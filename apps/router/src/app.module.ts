import { serviceImports } from '@clawfleet/bus';
import { DynamicModule, Module } from '@nestjs/common';
import { ROUTER_CONFIG, type RouterConfig } from './config';
import { routerMigrations } from './migrations';
import { RouterConsumer } from './routing/router.consumer';
import { SessionDirectory } from './routing/session-directory';

@Module({})
export class AppModule {
  static forRoot(config: RouterConfig): DynamicModule {
    return {
      module: AppModule,
      imports: serviceImports('router', config, { migrations: routerMigrations }),
      providers: [{ provide: ROUTER_CONFIG, useValue: config }, SessionDirectory, RouterConsumer],
    };
  }
}
