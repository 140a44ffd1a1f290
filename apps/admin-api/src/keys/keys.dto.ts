import type { ApiKeyRecord } from '@clawfleet/auth';
import { z } from 'zod';
import { DisplayName } from '../http/ids';

const Name = DisplayName;
const ExpiresAt = z.iso
  .datetime({ offset: true })
  .refine((at) => Date.parse(at) > Date.now(), 'expiresAt must be in the future')
  .optional();

/** A tenant's key: admin, read-only, or a channel client that chats as `userId`. */
export const CreateTenantKey = z.discriminatedUnion('scope', [
  z.strictObject({ scope: z.enum(['tenant:admin', 'tenant:read']), name: Name, expiresAt: ExpiresAt }),
  z.strictObject({
    scope: z.literal('channel:client'),
    name: Name,
    expiresAt: ExpiresAt,
    /** The user this key chats as: the sender of every message posted with it. */
    userId: z.string().regex(/^[A-Za-z0-9_:.@-]{1,128}$/, 'userId must be 1-128 of [A-Za-z0-9_:.@-]'),
  }),
]);
export type CreateTenantKey = z.infer<typeof CreateTenantKey>;

export const CreatePlatformKey = z.strictObject({ name: Name, expiresAt: ExpiresAt });

export const KeyView = z.object({
  id: z.uuid(),
  prefix: z.string(),
  tenantId: z.string().nullable(),
  scope: z.enum(['platform:admin', 'tenant:admin', 'tenant:read', 'channel:client']),
  userId: z.string().nullable(),
  name: z.string(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  lastUsedAt: z.iso.datetime().nullable(),
});
export type KeyView = z.infer<typeof KeyView>;

/** Returned once, at creation: the only time the key itself is shown. */
export const CreatedKey = KeyView.extend({ key: z.string() });

/** A key as the API shows it: never its hash. */
export function keyView(k: ApiKeyRecord): KeyView {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: k.id,
    prefix: k.prefix,
    tenantId: k.tenantId,
    scope: k.scope,
    userId: k.userId,
    name: k.name,
    createdBy: k.createdBy,
    createdAt: k.createdAt.toISOString(),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    lastUsedAt: iso(k.lastUsedAt),
  };
}
