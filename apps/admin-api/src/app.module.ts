import { ApiKeysRepository, KeyVerifier } from '@clawfleet/auth';
import { serviceImports } from '@clawfleet/bus';
import { provisioningEntities, provisioningMigrations } from '@clawfleet/provisioning';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AuthGuard } from './auth/auth.guard';
import { MeController } from './auth/me.controller';
import { ADMIN_CONFIG, type AdminConfig } from './config';
import { DeadLettersModule } from './dead-letters/dead-letters.controller';
import { DeliveriesModule } from './deliveries/delivery-failures.controller';
import { PlatformKeysController, TenantKeysController } from './keys/keys.controller';
import { KeysService } from './keys/keys.service';
import { adminMigrations } from './migrations';
import { PairingsModule } from './pairings/pairings.module';
import { ParkedModule } from './parked/parked.controller';
import { ProvisioningApiModule } from './provisioning/provisioning-api.module';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SessionsModule } from './sessions/sessions.module';
import { UsageModule } from './usage/usage.controller';

/** Inspection and operations: sessions, outcomes, usage, parked sessions, delivery failures, dead letters. */
const operations = [SessionsModule, UsageModule, ParkedModule, DeliveriesModule, DeadLettersModule];

@Module({})
export class AppModule {
  static forRoot(config: AdminConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      // The keys, the audit trail (in the event store) and rate limits are admin-api's; it writes the
      // provisioning model, and applies the migrations of the records it reads too (libs/records).
      imports: [
        ...serviceImports('admin-api', config, {
          migrations: [...adminMigrations, ...provisioningMigrations],
          entities: provisioningEntities,
        }),
        RateLimitModule.forRoot(config),
        ProvisioningApiModule.forRoot(config),
        ...operations,
        PairingsModule,
      ],
      controllers: [MeController, TenantKeysController, PlatformKeysController],
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
        // Rate limits first (a flood of bad keys is limited too), then: every route is closed unless it
        // declares who may use it; health and /docs are the guard's exceptions.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [ADMIN_CONFIG, KeyVerifier],
    };
  }
}
