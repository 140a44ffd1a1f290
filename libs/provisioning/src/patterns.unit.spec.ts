import { ValidationError } from '@clawfleet/platform';
import { compilePattern, MAX_PATTERN_PROGRAM } from './patterns';

describe('engage patterns', () => {
  it.each(['^help\\b', 'order\\s+#?\\d{1,8}', '(urgent|asap|now)', '(a+)+$', '(a|aa)+$'])(
    'accepts %s: RE2 matches it in linear time, whatever a backtracking engine would do',
    (pattern) => {
      expect(() => compilePattern(pattern)).not.toThrow();
    },
  );

  it.each([
    ['a syntax error', '('],
    ['a backreference', '(a)\\1'],
    ['a lookahead', '(?=a)'],
    ['a lookbehind', '(?<=a)b'],
    ['a repetition over 1000', 'a{1001}'],
    ['a program too large to run fast, though linear', '(.*){1000}'],
    ['nested repetitions that multiply', '(\\w{1,20}){10}'],
  ])('refuses %s', (_, pattern) => {
    expect(() => compilePattern(pattern)).toThrow(ValidationError);
  });

  it('names the limit a complex pattern passes', () => {
    expect(() => compilePattern('(.*){100}')).toThrow(new RegExp(`at most ${MAX_PATTERN_PROGRAM}`));
  });
});
