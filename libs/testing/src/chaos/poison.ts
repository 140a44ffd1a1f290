/**
 * Poison inputs mixed into a chaos run's load: texts a user can send that the platform cannot store
 * as they are. The HTTP edge must refuse each with a 400 problem, and the chat must go on answering
 * its next messages. An accepted one is a finding (`poisonAccepted`), and a chat it stalls is a
 * stranded chat.
 */
export const POISON_KINDS = ['nul', 'lone-surrogate', 'oversized'] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

/** Over the HTTP channel's 32,000-character limit. */
const OVERSIZED_CHARS = 40_000;

/** The text of a poison message of `kind` (unique per message, so a reply could be matched). */
export function poisonText(kind: PoisonKind, label: string): string {
  switch (kind) {
    case 'nul':
      // PostgreSQL jsonb refuses \u0000.
      return `${label} poison hi\u0000there`;
    case 'lone-surrogate':
      // JSON.stringify sends it as the escape \ud800, which jsonb refuses too.
      return `${label} poison lone \ud800 surrogate`;
    case 'oversized':
      return `${label} poison ${'x'.repeat(OVERSIZED_CHARS)}`;
  }
}
