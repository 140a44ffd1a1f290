import { CHAT_NAME_MAX } from '@clawfleet/auth';
import { ValidationError } from '@clawfleet/platform';
import { z } from 'zod';

/** A chat's name as a client gives it in the path: the caller's own chat of that name. */
const ChatName = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z0-9_:-]{1,${CHAT_NAME_MAX}}$`),
    `chatId must be 1-${CHAT_NAME_MAX} of [A-Za-z0-9_:-]`,
  );

/** The chat name of a `/v1/chats/:chatId/...` path, or a 400 naming what is wrong with it. */
export function parseChatName(raw: string): string {
  const result = ChatName.safeParse(raw);
  if (!result.success) throw new ValidationError(`chatId "${raw.slice(0, 140)}": ${result.error.issues[0]?.message}`);
  return result.data;
}
