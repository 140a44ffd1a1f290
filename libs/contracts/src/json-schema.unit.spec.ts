// The library stays runtime-free; this spec alone reads the checked-in schema files.
// eslint-disable-next-line no-restricted-imports
import { existsSync, readdirSync, readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports
import { join } from 'node:path';
import { z } from 'zod';
import { Events } from './index';

const DOCS = join(__dirname, '..', '..', '..', 'docs', 'events');

/** Rendered exactly as scripts/export-event-schemas.mjs renders them. */
const expected = new Map(
  Object.values(Events).map((def) => [
    `${def.type}.v${def.schemaVersion}.json`,
    `${JSON.stringify(z.toJSONSchema(def.envelope), null, 2)}\n`,
  ]),
);

const hint = 'run `npm run events:schemas` and commit docs/events';

describe('docs/events JSON Schemas', () => {
  it.each([...expected.keys()])('%s is checked in and up to date', (file) => {
    const path = join(DOCS, file);
    expect({ file, present: existsSync(path), hint }).toEqual({ file, present: true, hint });
    expect(readFileSync(path, 'utf8')).toBe(expected.get(file));
  });

  it('holds no schema of an event that no longer exists', () => {
    const present = readdirSync(DOCS).filter((f) => f.endsWith('.json'));
    expect(present.filter((f) => !expected.has(f))).toEqual([]);
  });

  it('describes each envelope with its type and version pinned', () => {
    for (const def of Object.values(Events)) {
      const schema = JSON.parse(expected.get(`${def.type}.v${def.schemaVersion}.json`)!);
      expect(schema.properties.type.const).toBe(def.type);
      expect(schema.properties.schemaVersion.const).toBe(def.schemaVersion);
      expect(schema.required).toEqual(
        expect.arrayContaining(['id', 'type', 'schemaVersion', 'occurredAt', 'tenantId', 'correlationId', 'data']),
      );
    }
  });
});
