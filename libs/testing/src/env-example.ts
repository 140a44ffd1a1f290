import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from './launcher/support';

/**
 * The keys of a config schema that `.env.example` does not mention (as `KEY=`, commented out or
 * not): every setting a service reads must be documented there.
 */
export function undocumentedKeys(schema: { shape: Record<string, unknown> }): string[] {
  const text = readFileSync(join(findRepoRoot(), '.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  return Object.keys(schema.shape).filter((key) => !documented.has(key));
}
