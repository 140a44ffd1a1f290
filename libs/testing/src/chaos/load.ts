import { ownedChatId } from '@clawfleet/auth';
import { chatKey, INBOUND_PARTITIONS, partitionOf } from '@clawfleet/contracts';
import { sleep } from '../launcher/support';
import { echoOf, TOOL_MARKER } from './model';
import { POISON_KINDS, poisonText, type PoisonKind } from './poison';
import { ChatStream, postMessage, type ChaosRecorder } from './recorder';

/** Whom the load chats as: a `channel:client` key and its user (every chat of the load is this user's). */
export interface ChatUser {
  readonly key: string;
  readonly userId: string;
}

export interface LoadOptions {
  readonly gateway: string;
  readonly user: ChatUser;
  readonly recorder: ChaosRecorder;
  /** Chats talking at once (default 8); chat n is in router partition n mod 8, so 8 cover them all. */
  readonly chats?: number;
  /** A chat is retired after this many messages and a new one takes its place (default 50): sessions stay short. */
  readonly messagesPerChat?: number;
  /** Share of messages that make the model call a tool first (default 0.25). */
  readonly toolShare?: number;
  /**
   * Accepted messages of one chat that may wait for their reply at once (default 3). Open loop: a
   * chat posts its next message without waiting for the last reply, so several turns of one session
   * are queued and their order is really tested. 1 is the closed loop of earlier runs.
   */
  readonly inFlight?: number;
  /** With `inFlight` replies outstanding, how long a chat waits for the oldest before it sends anyway (default 20 s). */
  readonly replyWaitMs?: number;
  /** Pause between two posts of a chat (default 0–50 ms). */
  readonly thinkMs?: readonly [number, number];
  /** Share of messages (never a chat's first) that are poison inputs (default 0). Kinds take turns. */
  readonly poisonShare?: number;
  readonly poisonKinds?: readonly PoisonKind[];
  /** Prefix of chat ids, unique per run. */
  readonly runId: string;
  readonly random?: () => number;
}

export interface Load {
  /** Resolves once every chat has its stream open and got the reply to a first message. */
  readonly warm: Promise<void>;
  /** Stops sending (messages in flight finish their send), keeps the streams open for settling. */
  stop(): Promise<void>;
  /** Re-reads every chat's stream after the last reply seen, until quiet: a reply or duplicate that came late is recorded too. */
  sweep(): Promise<void>;
  /** Closes every stream. */
  close(): Promise<void>;
}

/** The router partition of a user's HTTP chat, as the gateway computes it (of the chat the user owns). */
export const httpPartitionOf = (chatId: string, userId: string) =>
  partitionOf(chatKey({ channel: 'http', chatId: ownedChatId(userId, chatId) }), INBOUND_PARTITIONS);

/** `base`, or `base-<n>` with the first n that puts the user's chat in `partition`: the lanes cover every partition. */
export function chatIdIn(base: string, partition: number, userId: string): string {
  let chatId = base;
  for (let n = 0; httpPartitionOf(chatId, userId) !== partition; n++) chatId = `${base}-${n}`;
  return chatId;
}

/**
 * An open-loop load: each chat posts its messages one after another (a POST waits for the previous
 * POST, so the accept order is the send order) without waiting for replies, up to `inFlight`
 * unanswered at once. Posts retry with the same messageId; replies are read over SSE with resume.
 * Every reply's text is known in advance (the model echoes), and poison inputs can be mixed in.
 */
export function startLoad(options: LoadOptions): Load {
  const { recorder, gateway, runId, user } = options;
  const random = options.random ?? Math.random;
  const chats = options.chats ?? 8;
  const perChat = options.messagesPerChat ?? 50;
  const toolShare = options.toolShare ?? 0.25;
  const inFlight = Math.max(1, options.inFlight ?? 3);
  const replyWaitMs = options.replyWaitMs ?? 20_000;
  const poisonShare = options.poisonShare ?? 0;
  const poisonKinds = options.poisonKinds ?? POISON_KINDS;
  const [thinkMin, thinkMax] = options.thinkMs ?? [0, 50];
  const streams = new Set<ChatStream>();
  let stopping = false;
  let generation = 0;
  let poisoned = 0;

  const openStream = async (chatId: string) => {
    const stream = new ChatStream(gateway, chatId, (reply) => recorder.reply(reply), {
      key: user.key,
      onReconnect: () => recorder.sseReconnects++,
    });
    streams.add(stream);
    for (;;) {
      try {
        await stream.open();
        return stream;
      } catch {
        await sleep(250);
      }
    }
  };

  const talk = async (chatId: string, count: number, onFirstReply?: () => void) => {
    const partition = httpPartitionOf(chatId, user.userId);
    const outstanding: string[] = [];
    let givenUp = 0;
    for (let index = 0; index < count && !stopping; index++) {
      const poison =
        index > 0 && poisonShare > 0 && random() < poisonShare
          ? poisonKinds[poisoned++ % poisonKinds.length]
          : undefined;
      const tool = !poison && index > 0 && random() < toolShare;
      const messageId = `${chatId}-m${index}`;
      const text = poison
        ? poisonText(poison, `${chatId} message ${index}`)
        : `${chatId} message ${index}${tool ? ` ${TOOL_MARKER}` : ''}`;
      const sentAt = Date.now();
      const result = await postMessage(gateway, chatId, messageId, text, { key: user.key });
      recorder.send({
        chatId,
        index,
        messageId,
        text,
        tool,
        partition,
        ...(poison ? { poison } : { expect: echoOf(text) }),
        sentAt,
        ...result,
      });
      if (index === 0) {
        if (result.status === 'accepted') await recorder.waitForReply(messageId, replyWaitMs);
        onFirstReply?.();
      } else if (result.status === 'accepted') {
        outstanding.push(messageId);
      }
      while (outstanding.length > 0 && recorder.answered(outstanding[0]!)) outstanding.shift();
      if (outstanding.length >= inFlight) {
        // The oldest one answered, or given up on (it stays in the records; the checker judges it).
        if (await recorder.waitForReply(outstanding.shift()!, replyWaitMs)) givenUp = 0;
        // A chat that looks stranded is retired early, so that its lane goes on loading the platform
        // (and measuring its recovery) with a new chat; the checker still judges the stranded one.
        else if (++givenUp >= 2) break;
      }
      await sleep(thinkMin + random() * (thinkMax - thinkMin));
    }
  };

  let warmed = 0;
  let markWarm!: () => void;
  const warm = new Promise<void>((resolve) => (markWarm = resolve));
  const lanes = Array.from({ length: chats }, async (_, lane) => {
    let first = true;
    while (!stopping) {
      const chatId = chatIdIn(`${runId}-${lane}-${generation++}`, lane % INBOUND_PARTITIONS, user.userId);
      const stream = await openStream(chatId);
      await talk(chatId, perChat, first ? () => ++warmed === chats && markWarm() : undefined);
      first = false;
      // A retired chat's stream closes once every accepted message of it was answered (and 5 s passed);
      // sweep() then reads anything that came after (a late duplicate). While one is unanswered the
      // stream stays open, so a reply that shows up only at the sweep was never pushed on a live stream.
      const retire = () => {
        const retireTimer = setTimeout(() => {
          retirements.delete(retireTimer);
          const pending = recorder.sends.some(
            (s) => s.chatId === chatId && s.status === 'accepted' && !recorder.answered(s.messageId),
          );
          if (pending && !stopping) retire();
          else if (!pending) void stream.close();
        }, 5_000);
        retirements.add(retireTimer);
      };
      retire();
    }
  });
  const retirements = new Set<NodeJS.Timeout>();

  return {
    warm,
    async stop() {
      stopping = true;
      await Promise.all(lanes);
    },
    async sweep() {
      retirements.forEach(clearTimeout);
      const all = [...streams];
      await Promise.all(all.map((s) => s.close()));
      for (let i = 0; i < all.length; i += 32) await Promise.all(all.slice(i, i + 32).map((s) => s.catchUp(500)));
    },
    async close() {
      retirements.forEach(clearTimeout);
      await Promise.all([...streams].map((s) => s.close()));
    },
  };
}
