import { serviceImports } from '@clawfleet/bus';
import { DeliveryLog } from '@clawfleet/records';
import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DeliveryConfig } from './config';
import { CHANNEL_SENDERS } from './delivery/channel-sender';
import { DeliveryConsumer } from './delivery/delivery.consumer';
import { HttpMailboxSender } from './delivery/http-mailbox.sender';
import { deliveryMigrations } from './migrations';

@Module({})
export class AppModule {
  static forRoot(config: DeliveryConfig): DynamicModule {
    return {
      module: AppModule,
      imports: serviceImports('delivery', config, { migrations: deliveryMigrations }),
      providers: [
        { provide: DeliveryLog, inject: [DataSource], useFactory: (ds: DataSource) => new DeliveryLog(ds) },
        HttpMailboxSender,
        { provide: CHANNEL_SENDERS, useFactory: (http: HttpMailboxSender) => [http], inject: [HttpMailboxSender] },
        DeliveryConsumer,
      ],
    };
  }
}
