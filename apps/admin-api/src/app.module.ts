import { serviceImports } from '@clawfleet/bus';
import { DynamicModule, Module } from '@nestjs/common';
import type { AdminConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: AdminConfig): DynamicModule {
    return {
      module: AppModule,
      // Connected to PostgreSQL and NATS and ready; its own tables and consumers come with its issue.
      imports: serviceImports('admin-api', config, { migrations: [] }),
    };
  }
}
