import { workspaceRelative } from './workspace-path';

describe('workspaceRelative', () => {
  it.each([
    ['notes.txt', 'notes.txt'],
    ['./a/b/../c.txt', 'a/c.txt'],
    ['/workspace/x.py', 'x.py'],
    ['/workspace', '.'],
    ['.', '.'],
  ])('accepts %j as %j', (input, expected) => {
    expect(workspaceRelative(input)).toEqual({ ok: expected });
  });

  it.each([
    ['../../etc/passwd', 'outside /workspace'],
    ['/etc/passwd', 'outside /workspace'],
    ['a/../../workspace2/x', 'outside /workspace'],
    ['/workspace/../etc', 'outside /workspace'],
    ['bad\nname', 'control characters'],
    ['bell\u0007', 'control characters'],
    ['', 'empty'],
    ['x'.repeat(5000), 'longer than'],
  ])('refuses %j', (input, why) => {
    const result = workspaceRelative(input);
    expect('error' in result && result.error).toContain(why);
  });
});
