import { Channel } from '@clawfleet/contracts';
import type { GroupRecord } from '@clawfleet/provisioning';
import { z } from 'zod';
import { DisplayName } from '../http/ids';
import { iso } from '../provisioning/params';

const ChatPart = z.string().min(1).max(128);

/** A chat of a channel (and, when given, one thread of it) that bindings attach agents to. */
export const CreateGroup = z.strictObject({
  channel: Channel,
  chatId: ChatPart,
  threadId: ChatPart.nullable().optional(),
  name: DisplayName.optional(),
  /** The channel account (a bot) it is reached through, when there are several. */
  channelId: z.uuid().nullable().optional(),
});
export const UpdateGroup = z.strictObject({ name: DisplayName.optional() });

export const GroupView = z.object({
  id: z.uuid(),
  channel: z.string(),
  chatId: z.string(),
  threadId: z.string().nullable(),
  name: z.string(),
  channelId: z.uuid().nullable(),
  revision: z.number().int(),
  createdAt: z.iso.datetime(),
});

export const groupView = (g: GroupRecord): z.infer<typeof GroupView> => ({
  id: g.id,
  channel: g.channel,
  chatId: g.chatId,
  threadId: g.threadId,
  name: g.name,
  channelId: g.channelId,
  revision: g.revision,
  createdAt: iso(g.createdAt),
});
