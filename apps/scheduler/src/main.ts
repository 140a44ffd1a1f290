import { bootstrapService, parseConfig, runMain } from '@clawfleet/platform';
import { AppModule } from './app.module';
import { SchedulerConfig } from './config';

runMain(async () => {
  const config = parseConfig(SchedulerConfig);
  await bootstrapService(AppModule.forRoot(config), { port: config.PORT });
});
