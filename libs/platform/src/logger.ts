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
