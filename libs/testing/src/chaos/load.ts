import { sleep } from '../launcher/support';
import { TOOL_MARKER } from './model';
import { ChatStream, postMessage, type ChaosRecorder } from './recorder';

export interface LoadOptions {
  readonly gateway: string;
  readonly recorder: ChaosRecorder;
  /** Chats talking at once (default 8). */
  readonly chats?: number;
  /** A chat is retired after this many messages and a new one takes its place (default 50): sessions stay short. */
  readonly messagesPerChat?: number;
  /** Share of messages that make the model call a tool first (default 0.25). */
  readonly toolShare?: number;
  /** How long a chat waits for the reply before it sends the next message anyway (default 20 s). */
  readonly replyWaitMs?: number;
  /** Pause between a reply and the next message (default 0–30 ms). */
  readonly thinkMs?: readonly [number, number];
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

/**
 * A closed-loop load: each chat sends a message, waits for its reply (up to `replyWaitMs`), sends
 * the next. Posts retry with the same messageId; replies are read over SSE with resume.
 */
export function startLoad(options: LoadOptions): Load {
  const { recorder, gateway, runId } = options;
  const random = options.random ?? Math.random;
  const chats = options.chats ?? 8;
  const perChat = options.messagesPerChat ?? 50;
  const toolShare = options.toolShare ?? 0.25;
  const replyWaitMs = options.replyWaitMs ?? 20_000;
  const [thinkMin, thinkMax] = options.thinkMs ?? [0, 30];
  const streams = new Set<ChatStream>();
  let stopping = false;
  let generation = 0;

  const openStream = async (chatId: string) => {
    const stream = new ChatStream(gateway, chatId, (reply) => recorder.reply(reply), {
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
    for (let index = 0; index < count && !stopping; index++) {
      const tool = index > 0 && random() < toolShare;
      const messageId = `${chatId}-m${index}`;
      const text = `${chatId} message ${index}${tool ? ` ${TOOL_MARKER}` : ''}`;
      const sentAt = Date.now();
      const result = await postMessage(gateway, chatId, messageId, text);
      recorder.send({ chatId, index, messageId, text, tool, sentAt, ...result });
      if (result.status === 'accepted') await recorder.waitForReply(messageId, replyWaitMs);
      if (index === 0) onFirstReply?.();
      await sleep(thinkMin + random() * (thinkMax - thinkMin));
    }
  };

  let warmed = 0;
  let markWarm!: () => void;
  const warm = new Promise<void>((resolve) => (markWarm = resolve));
  const lanes = Array.from({ length: chats }, async (_, lane) => {
    let first = true;
    while (!stopping) {
      const chatId = `${runId}-${lane}-${generation++}`;
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
