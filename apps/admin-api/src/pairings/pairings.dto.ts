import type { Pairing } from '@clawfleet/provisioning';
import { z } from 'zod';

export const PairingStatus = z.enum(['pending', 'approved', 'rejected']);

/** `?status=&limit=&cursor=` */
export const PairingsQuery = z.strictObject({
  status: PairingStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** A sender without an identity who was offered a code: never the code itself. */
export const PairingView = z.object({
  id: z.uuid(),
  tenantId: z.string(),
  channel: z.string(),
  senderId: z.string(),
  displayName: z.string(),
  chatId: z.string(),
  threadId: z.string().nullable(),
  status: PairingStatus,
  /** A pending pairing past `expiresAt` can no longer be approved. */
  expired: z.boolean(),
  offeredAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
  /** `user:<id>` (an owner's /pair in a chat) or `key:<id>` (this API). */
  decidedBy: z.string().nullable(),
  /** The user the approval made. */
  userId: z.uuid().nullable(),
});
export type PairingView = z.infer<typeof PairingView>;

export function pairingView(p: Pairing, now = new Date()): PairingView {
  return {
    id: p.id,
    tenantId: p.tenantId,
    channel: p.channel,
    senderId: p.senderId,
    displayName: p.displayName,
    chatId: p.chatId,
    threadId: p.threadId,
    status: p.status,
    expired: p.status === 'pending' && p.expiresAt.getTime() <= now.getTime(),
    offeredAt: p.offeredAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
    decidedAt: p.decidedAt?.toISOString() ?? null,
    decidedBy: p.decidedBy,
    userId: p.userId,
  };
}
