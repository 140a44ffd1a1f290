import type { Clock } from '@clawfleet/platform';
import { z } from 'zod';
import { ASK_USER } from '../session/session.decider';
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
    defineTool({
      name: ASK_USER,
      description:
        'Ask the user a question and wait for the answer. Use it when you cannot go on without information only the user has. The turn pauses until the user replies.',
      schema: z.object({ question: z.string().min(1).max(4_000) }),
      // Asking again after a crash is harmless: the question is only sent once the suspension is recorded.
      idempotent: true,
      async run({ question }) {
        return { suspend: true, reason: 'waiting for the user to answer', question };
      },
    }),
  ];
}
