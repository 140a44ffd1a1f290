import pino, { type Logger } from 'pino';
import { activeTraceIds } from './telemetry';

/** Paths that may carry secrets; they never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.secret',
  '*.pass',
  // A configuration object logged whole by mistake: its secrets still do not reach the line.
  ...[
    'NATS_PASSWORD',
    'NATS_TOKEN',
    'MODEL_API_KEY',
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    'ADMIN_BOOTSTRAP_KEY',
    'CREDENTIALS_KEYS',
  ].flatMap((key) => [key, `*.${key}`]),
];

export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    mixin: () => activeTraceIds(),
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
