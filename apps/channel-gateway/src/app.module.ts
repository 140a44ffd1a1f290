import { ApiKeysRepository, authMigrations, KeyVerifier } from '@clawfleet/auth';
import { serviceImports } from '@clawfleet/bus';
import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChannelAuth } from './auth/channel-auth';
import { ChannelKeyGuard } from './auth/channel-key.guard';
import { KeyWatch } from './auth/key-watch';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { HttpChannelAdapter } from './http/http.adapter';
import { RepliesController } from './http/replies.controller';
import { ReplyStreams } from './http/reply-streams';
import { InboundPublisher } from './inbound.publisher';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      // The gateway owns nothing durable. It reads API keys (auth.api_keys, admin-api's): it never
      // migrates, is ready once admin-api has, and stays ready through a PostgreSQL outage (keys it
      // read keep working for AUTH_KEY_STALE_MS).
      imports: serviceImports('channel-gateway', config, {
        migrations: authMigrations,
        database: { migrate: false, readiness: 'once' },
      }),
      controllers: [HttpChannelAdapter, RepliesController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: ApiKeysRepository, inject: [DataSource], useFactory: (ds: DataSource) => new ApiKeysRepository(ds) },
        {
          provide: KeyVerifier,
          inject: [ApiKeysRepository],
          useFactory: (keys: ApiKeysRepository) =>
            new KeyVerifier(keys, { cacheMs: config.AUTH_KEY_CACHE_MS, staleIfErrorMs: config.AUTH_KEY_STALE_MS }),
        },
        { provide: ChannelAuth, inject: [KeyVerifier], useFactory: (verifier: KeyVerifier) => new ChannelAuth(verifier) },
        {
          provide: KeyWatch,
          inject: [ChannelAuth],
          // Half the cache time: a revoked key's streams end within about 1.5 × AUTH_KEY_CACHE_MS.
          useFactory: (auth: ChannelAuth) => new KeyWatch(auth, Math.max(250, config.AUTH_KEY_CACHE_MS / 2)),
        },
        ChannelKeyGuard,
        InboundPublisher,
        {
          provide: ReplyStreams,
          useValue: new ReplyStreams({
            perChat: config.SSE_MAX_STREAMS_PER_CHAT,
            perClient: config.SSE_MAX_STREAMS_PER_CLIENT,
            total: config.SSE_MAX_STREAMS,
          }),
        },
      ],
    };
  }
}
