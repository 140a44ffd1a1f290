import { serviceImports } from '@clawfleet/bus';
import { DynamicModule, Module } from '@nestjs/common';
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
      // The gateway owns nothing durable: no migrations of its own.
      imports: serviceImports('channel-gateway', config),
      controllers: [HttpChannelAdapter, RepliesController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
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
