import { bootstrapService, parseConfig, runMain } from '@clawfleet/platform';
import { AppModule } from './app.module';
import { AdminConfig } from './config';
import { serveOpenApi } from './openapi';

runMain(async () => {
  const config = parseConfig(AdminConfig);
  await bootstrapService(AppModule.forRoot(config), { port: config.PORT, configure: serveOpenApi });
});
