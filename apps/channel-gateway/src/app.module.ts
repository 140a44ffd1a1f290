import { serviceImports } from '@clawfleet/bus';
import { DynamicModule, Module } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { HttpChannelController } from './http-channel/http-channel.controller';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      // The gateway owns nothing durable: no migrations of its own.
      imports: serviceImports('channel-gateway', config),
      controllers: [HttpChannelController],
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }],
    };
  }
}
