import { bootstrapService, parseConfig, runMain } from '@clawfleet/platform';
import { AppModule } from './app.module';
import { DeliveryConfig } from './config';

runMain(async () => {
  const config = parseConfig(DeliveryConfig);
  await bootstrapService(AppModule.forRoot(config), { port: config.PORT });
});
