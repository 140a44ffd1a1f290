import { ApiKeysRepository, authMigrations, KeyVerifier } from '@clawfleet/auth';
import { serviceImports } from '@clawfleet/bus';
import { eventStoreMigrations } from '@clawfleet/event-store';
import { provisioningEntities, provisioningMigrations } from '@clawfleet/provisioning';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AuthGuard } from './auth/auth.guard';
import { MeController } from './auth/me.controller';
import { ADMIN_CONFIG, type AdminConfig } from './config';
import { PlatformKeysController, TenantKeysController } from './keys/keys.controller';
import { KeysService } from './keys/keys.service';
import { PairingsController } from './pairings/pairings.controller';
import { PairingsService } from './pairings/pairings.service';

@Module({})
export class AppModule {
  static forRoot(config: AdminConfig): DynamicModule {
    return {
      module: AppModule,
      // The keys and the audit trail (in the event store) are admin-api's; it writes the provisioning model too.
      imports: serviceImports('admin-api', config, {
        migrations: [...eventStoreMigrations, ...authMigrations, ...provisioningMigrations],
        entities: provisioningEntities,
      }),
      controllers: [MeController, TenantKeysController, PlatformKeysController, PairingsController],
      providers: [
        { provide: ADMIN_CONFIG, useValue: config },
        { provide: ApiKeysRepository, inject: [DataSource], useFactory: (ds: DataSource) => new ApiKeysRepository(ds) },
        {
          provide: KeyVerifier,
          inject: [ApiKeysRepository],
          useFactory: (keys: ApiKeysRepository) =>
            new KeyVerifier(keys, { cacheMs: config.AUTH_KEY_CACHE_MS, bootstrapKey: config.ADMIN_BOOTSTRAP_KEY }),
        },
        KeysService,
        PairingsService,
        // Every route is closed unless it declares who may use it; health and /docs are the guard's exceptions.
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}
