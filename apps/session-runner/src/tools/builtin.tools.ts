import type { Clock } from '@clawfleet/platform';
import { z } from 'zod';
import { defineTool, type Tool } from './tool.port';

/** Tools every agent has until the sandbox brings real ones. */
export function builtinTools(clock: Clock): Tool[] {
  return [
    defineTool({
      name: 'get_time',
      description: 'The current date and time, in ISO 8601, optionally in an IANA time zone.',
      schema: z.object({ timeZone: z.string().max(64).optional() }),
      idempotent: true,
      async run({ timeZone }) {
        const now = clock.now();
        if (!timeZone) return now.toISOString();
        try {
          return new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short', timeStyle: 'long' }).format(now);
        } catch {
          throw new Error(`unknown time zone "${timeZone}"`);
        }
      },
    }),
  ];
}
