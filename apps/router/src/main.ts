import { bootstrapService, parseConfig, runMain } from '@clawfleet/platform';
import { AppModule } from './app.module';
import { RouterConfig } from './config';

runMain(async () => {
  const config = parseConfig(RouterConfig);
  await bootstrapService(AppModule.forRoot(config), { port: config.PORT });
});
