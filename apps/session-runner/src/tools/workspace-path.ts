import path from 'node:path/posix';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A path from the model, checked before it reaches the sandbox: relative to /workspace or absolute
 * inside it, no control characters, no way out through `..`. Returns the path relative to
 * /workspace, or an error text for the model. Symbolic links are resolved inside the sandbox.
 */
export function workspaceRelative(input: string): { ok: string } | { error: string } {
  if (input.length === 0) return { error: 'the path is empty' };
  if (input.length > 4_096) return { error: 'the path is longer than 4096 characters' };
  if (CONTROL.test(input)) return { error: `the path ${JSON.stringify(input)} contains control characters (such as a newline)` };
  const full = path.normalize(path.isAbsolute(input) ? input : path.join('/workspace', input));
  if (full !== '/workspace' && !full.startsWith('/workspace/'))
    return { error: `the path ${JSON.stringify(input)} is outside /workspace` };
  return { ok: full === '/workspace' ? '.' : full.slice('/workspace/'.length) };
}
