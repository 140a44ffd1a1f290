import { bootstrapService, parseConfig, runMain } from '@clawfleet/platform';
import { AppModule } from './app.module';
import { AdminConfig } from './config';
import { serveOpenApi } from './openapi';

runMain(async () => {
  const config = parseConfig(AdminConfig);
  // Room for an agent's instructions (100,000 characters, of up to 3 bytes each in UTF-8).
  await bootstrapService(AppModule.forRoot(config), { port: config.PORT, configure: serveOpenApi, jsonLimit: '512kb' });
});
