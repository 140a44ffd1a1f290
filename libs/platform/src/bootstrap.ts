import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type INestApplication,
  type OnModuleInit,
} from '@nestjs/common';
import { json } from 'express';
import { Logger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { redactConfig } from './config';
import { createLogger } from './logger';
import { initTelemetry } from './telemetry';
import { Readiness } from './health';
import { ProblemDetailsFilter } from './problem-details';

/** The logging module every app imports: JSON lines with trace ids, secrets redacted. */
export function loggingModule(service: string, level: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger: createLogger(service, level),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'debug'),
    },
  });
}

const CONFIG = Symbol('CONFIG');

@Injectable()
class ConfigurationLog implements OnModuleInit {
  constructor(
    @Inject(CONFIG) private readonly config: Record<string, unknown>,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('config');
  }

  onModuleInit() {
    this.logger.debug({ configuration: redactConfig(this.config) }, 'configuration');
  }
}

@Module({})
class ConfigurationLogModule {}

/** Logs the service's configuration at start-up (debug), every secret in it redacted. */
export function configurationLogModule(config: object): DynamicModule {
  return { module: ConfigurationLogModule, providers: [{ provide: CONFIG, useValue: config }, ConfigurationLog] };
}

/**
 * Starts a service: telemetry, logger, shutdown hooks, HTTP (health and the app's own routes).
 * On SIGTERM readiness turns 503 first, then Nest's shutdown hooks drain consumers and close clients.
 */
export async function bootstrapService(
  module: unknown,
  options: { port: number; host?: string; jsonLimit?: string; configure?: (app: INestApplication) => void },
): Promise<INestApplication> {
  initTelemetry();
  // forceCloseConnections: open SSE streams would otherwise hold a draining process until SIGKILL;
  // their clients resume with Last-Event-ID.
  const app = await NestFactory.create(module as never, {
    bufferLogs: true,
    bodyParser: false,
    forceCloseConnections: true,
  });
  app.useLogger(app.get(Logger));
  app.use(json({ limit: options.jsonLimit ?? '100kb' }));
  app.enableShutdownHooks();
  app.useGlobalFilters(new ProblemDetailsFilter());
  options.configure?.(app);
  const readiness = app.get(Readiness);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => readiness.startDraining());
  await app.listen(options.port, options.host ?? process.env.HOST ?? '0.0.0.0');
  return app;
}

/** Runs a service's main function; a failure at boot (bad config, no database) exits 1 with the reason. */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
