import { bootstrapService, parseConfig, runMain } from '@clawfleet/platform';
import { AppModule } from './app.module';
import { GatewayConfig } from './config';

runMain(async () => {
  const config = parseConfig(GatewayConfig);
  // Room for the longest message (32,000 characters of 4-byte UTF-8) and its JSON escaping.
  await bootstrapService(AppModule.forRoot(config), { port: config.PORT, jsonLimit: '256kb' });
});
