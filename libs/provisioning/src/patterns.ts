import { ValidationError } from '@clawfleet/platform';
import { RE2JS } from 're2js';

/** The longest engage pattern accepted. RE2 runs in linear time, but a pattern is also a memory cost. */
export const MAX_PATTERN_CHARS = 500;

export interface CompiledPattern {
  test(text: string): boolean;
}

/**
 * Compiles a user's engage pattern with RE2 (linear time in the text, whatever the pattern): it can
 * never hang the router's serial path. Constructs RE2 does not have (backreferences, lookaround) and
 * syntax errors are a ValidationError, which the admin API answers with a 400 when it is configured.
 */
export function compilePattern(source: string): CompiledPattern {
  if (source.length === 0 || source.length > MAX_PATTERN_CHARS)
    throw new ValidationError(`an engage pattern must be 1-${MAX_PATTERN_CHARS} characters`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    throw new ValidationError(`invalid engage pattern: ${(error as Error).message}`, { pattern: source });
  }
  return { test: (text) => re.matcher(text).find() };
}
