import { z } from 'zod';

export const TenantId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tenantId must be 1-64 of [A-Za-z0-9_-]');

/** A display name: no control characters (NUL included) and no lone surrogates, so it is storable and printable. */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine(printable, 'must not contain control characters or lone surrogates');

function printable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}
