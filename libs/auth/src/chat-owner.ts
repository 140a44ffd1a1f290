import { createHash } from 'node:crypto';

/**
 * A chat of the HTTP channel belongs to the user of the key that opened it: the chat a client calls
 * `support` is, inside the platform, `<owner tag>:support`, where the owner tag stands for the
 * key's user. So two users' chats of the same name are two chats (their own sessions, mailbox and
 * progress subjects), and no request, whatever chat name or `Last-Event-ID` it gives, can reach a
 * chat of another user: the gateway puts the caller's own tag in front of every name.
 *
 * The tag is the first 96 bits of SHA-256 of the user id, in hex: subject-safe whatever characters
 * a user id has, of fixed length, and no user id can be chosen to collide with another's.
 */
const TAG_LENGTH = 24;
/** Longest chat name a client may give: the owned id must fit a chat id (128 characters). */
export const CHAT_NAME_MAX = 100;

export function ownerTag(userId: string): string {
  return createHash('sha256').update(userId).digest('hex').slice(0, TAG_LENGTH);
}

/** The platform's chat id of the chat a user calls `chatName`. */
export function ownedChatId(userId: string, chatName: string): string {
  return `${ownerTag(userId)}:${chatName}`;
}

const OWNED = new RegExp(`^[0-9a-f]{${TAG_LENGTH}}:(.+)$`);

/** The name the owner gave an owned chat id (what bindings of HTTP chats match), or undefined. */
export function chatNameOf(chatId: string): string | undefined {
  return OWNED.exec(chatId)?.[1];
}
