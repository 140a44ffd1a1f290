import { bootstrapService, parseConfig, runMain } from '@clawfleet/platform';
import { AppModule } from './app.module';
import { modelConfigured, RunnerConfig } from './config';

runMain(async () => {
  const config = parseConfig(RunnerConfig);
  await bootstrapService(AppModule.forRoot(config), { port: config.PORT });
  if (!modelConfigured(config)) {
    process.stderr.write(
      'session-runner: no model configured; turns will fail with instructions. Set MODEL_API_KEY and MODEL_NAME, or MODEL_BASE_URL.\n',
    );
  }
});
