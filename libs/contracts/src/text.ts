import { z } from 'zod';

/**
 * Text that PostgreSQL can store. A session's events are jsonb, other records text columns, in a
 * UTF-8 database; three kinds of JavaScript string content cannot be stored there:
 *
 * - U+0000 (NUL): jsonb refuses the `\u0000` escape ("unsupported Unicode escape sequence") and a
 *   text column refuses the byte;
 * - a lone high surrogate (U+D800–U+DBFF not followed by a low one) and
 * - a lone low surrogate (U+DC00–U+DFFF not preceded by a high one): they are not Unicode scalar
 *   values, have no UTF-8 form, and jsonb refuses their escapes.
 *
 * Every other code point (other control characters, non-characters such as U+FFFF, astral
 * characters as surrogate pairs) is stored as is. What a user sends is refused with the position
 * of the first such character (`storableTextProblem`, used by every text schema below); what a
 * model or a tool produced is repaired with `sanitizeText`.
 */

// Non-unicode mode on purpose: it matches the UTF-16 code units one by one. Only run on text the
// native checks below found wrong, so its lookbehind never costs anything on good text.
// eslint-disable-next-line no-control-regex -- NUL is one of the characters looked for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** ES2024 string methods (Node ≥ 20), native and fast: a lone surrogate makes a string not well formed. */
interface WellFormed {
  isWellFormed(): boolean;
}
/** True for almost every text, checked natively (a regex scan costs far more on long text). */
const looksStorable = (text: string) => !text.includes('\u0000') && (text as unknown as WellFormed).isWellFormed();

/** The character that replaces what cannot be stored: U+FFFD REPLACEMENT CHARACTER. */
export const REPLACEMENT_CHARACTER = '\ufffd';

export interface TextProblem {
  /** The position of the character in the string, in UTF-16 code units (JavaScript's `text[index]`), from 0. */
  readonly index: number;
  /** The character as `U+XXXX`. */
  readonly codePoint: string;
  readonly kind: 'nul' | 'lone-high-surrogate' | 'lone-low-surrogate';
  /** A sentence for an API error: which character, where, and why it is refused. */
  readonly message: string;
}

const DESCRIBE = {
  nul: 'NUL character',
  'lone-high-surrogate': 'lone high surrogate',
  'lone-low-surrogate': 'lone low surrogate',
} as const;

/** The first character of `text` that PostgreSQL cannot store, or undefined when there is none. */
export function storableTextProblem(text: string): TextProblem | undefined {
  if (looksStorable(text)) return undefined;
  const match = UNSTORABLE.exec(text);
  if (!match) return undefined;
  const unit = text.charCodeAt(match.index);
  const kind = unit === 0 ? 'nul' : unit < 0xdc00 ? 'lone-high-surrogate' : 'lone-low-surrogate';
  const codePoint = `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;
  return {
    index: match.index,
    codePoint,
    kind,
    message: `contains a ${DESCRIBE[kind]} (${codePoint}) at position ${match.index}, which cannot be stored`,
  };
}

/** `text` with every character PostgreSQL cannot store replaced by U+FFFD, and how many were replaced. */
export function sanitizeText(text: string): { readonly text: string; readonly replaced: number } {
  if (looksStorable(text)) return { text, replaced: 0 };
  let replaced = 0;
  const clean = text.replace(UNSTORABLE_ALL, () => {
    replaced++;
    return REPLACEMENT_CHARACTER;
  });
  return { text: clean, replaced };
}

/**
 * Text from outside (a provider's or a channel's error message) as a field can carry it: sanitised,
 * and cut to `maxChars` without splitting a surrogate pair (half a pair cannot be stored either).
 */
export function storableText(text: string, maxChars = Infinity): string {
  let clean = sanitizeText(text).text;
  if (clean.length > maxChars) {
    const last = clean.charCodeAt(maxChars - 1);
    clean = clean.slice(0, last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars);
  }
  return clean;
}

/**
 * Adds the storable-text check to a string schema. The issue names the position (also in
 * `params.position`, which RFC 9457 problems carry on), so a client can find the character.
 */
export function storable<S extends z.ZodString>(schema: S, what = 'text'): S {
  return schema.check((ctx) => {
    const problem = storableTextProblem(ctx.value);
    if (!problem) return;
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `${what} ${problem.message}`,
      params: { position: problem.index, codePoint: problem.codePoint, kind: problem.kind },
    });
  }) as S;
}

/** A string PostgreSQL can store, up to `max` characters. */
export const StorableText = (max: number, what = 'text') => storable(z.string().max(max), what);
