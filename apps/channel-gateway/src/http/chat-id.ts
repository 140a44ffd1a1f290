import { ChatId } from '@clawfleet/contracts';
import { ValidationError } from '@clawfleet/platform';

/** The chat id of a `/v1/chats/:chatId/...` path, or a 400 naming what is wrong with it. */
export function parseChatId(raw: string): string {
  const result = ChatId.safeParse(raw);
  if (!result.success) throw new ValidationError(`chatId "${raw.slice(0, 140)}": ${result.error.issues[0]?.message}`);
  return result.data;
}
