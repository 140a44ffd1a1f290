import { DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import type { AdminConfig } from '../config';
import { PgThrottlerStorage } from './pg-throttler.storage';
import { IP_THROTTLER, KEY_THROTTLER } from './rate-limit.guard';

/** @nestjs/throttler with counters in PostgreSQL; the guard itself (RateLimitGuard) runs first of all. */
@Module({})
export class RateLimitModule {
  static forRoot(config: AdminConfig): DynamicModule {
    const ttl = config.RATE_LIMIT_WINDOW_MS;
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            throttlers: [
              { name: KEY_THROTTLER, ttl, limit: config.RATE_LIMIT_PER_KEY },
              { name: IP_THROTTLER, ttl, limit: config.RATE_LIMIT_PER_IP },
            ],
            // Retry-After comes with the 429 problem; the X-RateLimit-* headers would carry the limit's name.
            setHeaders: false,
            storage: new PgThrottlerStorage(dataSource),
          }),
        }),
      ],
    };
  }
}
