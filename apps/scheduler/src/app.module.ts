import { serviceImports } from '@clawfleet/bus';
import { DynamicModule, Module } from '@nestjs/common';
import type { SchedulerConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    return {
      module: AppModule,
      // Connected to PostgreSQL and NATS and ready; its own tables and consumers come with its issue.
      imports: serviceImports('scheduler', config, { migrations: [] }),
    };
  }
}
