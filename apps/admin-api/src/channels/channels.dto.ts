import { Channel } from '@clawfleet/contracts';
import type { ChannelRecord } from '@clawfleet/provisioning';
import { z } from 'zod';
import { DisplayName } from '../http/ids';
import { iso, isoOrNull } from '../provisioning/params';

/**
 * A channel's credentials (a bot token, a signing secret) are write-only: accepted here, sealed with
 * AES-256-GCM before they are stored, and never in an answer, a log line, an event or the audit trail.
 */
const Credentials = z.string().min(1).max(4_096);

export const CreateChannel = z.strictObject({
  kind: Channel,
  name: DisplayName.optional(),
  credentials: Credentials.optional(),
});
export const UpdateChannel = z.strictObject({ name: DisplayName.optional() });
export const SetCredentials = z.strictObject({ credentials: Credentials });

export const ChannelView = z.object({
  id: z.uuid(),
  kind: z.string(),
  name: z.string(),
  /** Whether credentials are stored, and since when; never the credentials. */
  hasCredentials: z.boolean(),
  credentialsSetAt: z.iso.datetime().nullable(),
  /** The CREDENTIALS_KEYS key they are sealed under. */
  credentialsKeyId: z.string().nullable(),
  revision: z.number().int(),
  createdAt: z.iso.datetime(),
});
export type ChannelView = z.infer<typeof ChannelView>;

export const channelView = (c: ChannelRecord): ChannelView => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  hasCredentials: c.credentialsKeyId !== null,
  credentialsSetAt: isoOrNull(c.credentialsSetAt),
  credentialsKeyId: c.credentialsKeyId,
  revision: c.revision,
  createdAt: iso(c.createdAt),
});
