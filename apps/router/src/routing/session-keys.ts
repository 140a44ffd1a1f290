import { chatKey, escapeKeyPart, type ChatRef } from '@clawfleet/contracts';
import { deriveId } from '@clawfleet/platform';
import type { SessionScope } from '@clawfleet/provisioning';

/**
 * The key of the session a message goes to, within its agent (router.chat_sessions is keyed by
 * tenant, key and agent): `shared` — the chat, whatever the thread; `per-thread` — the chat and its
 * thread; `per-user` — the chat and the sender (the user when known, else the channel's sender id).
 */
export function sessionKeyOf(
  scope: SessionScope,
  chat: ChatRef,
  sender: { userId?: string; senderId: string },
): string {
  switch (scope) {
    case 'shared':
      return chatKey({ channel: chat.channel, chatId: chat.chatId });
    case 'per-thread':
      return chatKey(chat);
    case 'per-user': {
      const who = sender.userId ? `u:${sender.userId}` : `s:${sender.senderId}`;
      return `${chatKey({ channel: chat.channel, chatId: chat.chatId })}/${escapeKeyPart(who)}`;
    }
    default:
      return scope satisfies never;
  }
}

/** A message's key among the tenant's (libs/records, where its outcome is kept). */
export { messageKeyOf } from '@clawfleet/records';

/**
 * The turn a message asks of an agent: derived, so every redelivery asks for the same one. The
 * fallback route (no binding: the tenant's default agent) keeps the id it had before agents were
 * data, so messages in flight across the upgrade are not answered twice.
 */
export function turnIdOf(
  tenantId: string,
  chat: ChatRef,
  messageId: string,
  agentId: string,
  fallback: boolean,
): string {
  return fallback
    ? deriveId('turn', tenantId, chatKey(chat), messageId)
    : deriveId('turn', tenantId, chatKey(chat), messageId, agentId);
}
