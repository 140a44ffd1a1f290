import { ValidationError } from '@clawfleet/platform';
import { RE2JS } from 're2js';

/** The longest engage pattern accepted. RE2 runs in linear time, but a pattern is also a memory cost. */
export const MAX_PATTERN_CHARS = 500;
/**
 * The largest compiled program accepted. RE2 is linear in the text, but the constant is the program's
 * size: `(.*){1000}` is 4,002 instructions and takes seconds on a 32,000-character message, on the
 * router's serial path. 200 keeps the worst case about 20 times a plain word's, and allows every
 * ordinary pattern (`order\s+#?\d{1,8}` is 26).
 */
export const MAX_PATTERN_PROGRAM = 200;

export interface CompiledPattern {
  test(text: string): boolean;
}

/**
 * Compiles a user's engage pattern with RE2 (linear time in the text, whatever the pattern): it can
 * never hang the router's serial path. Constructs RE2 does not have (backreferences, lookaround) and
 * syntax errors are a ValidationError, which the admin API answers with a 400 when it is configured;
 * so is a pattern whose program is so large that even linear time is slow (MAX_PATTERN_PROGRAM).
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
  if (re.programSize() > MAX_PATTERN_PROGRAM)
    throw new ValidationError(
      `engage pattern too complex: ${re.programSize()} instructions compiled, at most ${MAX_PATTERN_PROGRAM} (reduce repetition counts)`,
      { pattern: source },
    );
  return { test: (text) => re.matcher(text).find() };
}
