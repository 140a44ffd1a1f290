import { makeEnvelope, type Bus } from '@clawfleet/bus';
import { MAX_REPLY_CHARS, sanitizeText, TurnProgressed } from '@clawfleet/contracts';
import type { RunningState } from './turn.effects';

/**
 * Passes on the latest text at most once per interval: a reply being written is shown as it grows
 * without a message per token. `stop()` drops what is pending (the final reply follows anyway).
 */
export function throttleLatest(send: (text: string) => void, intervalMs: number) {
  let latest: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const flush = () => {
    timer = undefined;
    if (latest === undefined) return;
    last = Date.now();
    send(latest);
    latest = undefined;
  };
  return {
    update(text: string) {
      latest = text;
      if (timer) return;
      const wait = Math.max(0, last + intervalMs - Date.now());
      timer = setTimeout(flush, wait);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      latest = undefined;
    },
  };
}

/** Publishes the text of a turn's answer while it is written (ephemeral); undefined when disabled (0). */
export function progressOf(bus: Bus, intervalMs: number, tenantId: string, state: RunningState) {
  if (intervalMs === 0) return undefined;
  const { sessionId, chat, turn } = state;
  const subject = bus.topology.subjects.progress(chat.channel, tenantId, chat.chatId);
  return throttleLatest((text) => {
    const envelope = makeEnvelope(TurnProgressed, {
      tenantId,
      correlationId: turn.correlationId,
      causationId: turn.turnId,
      // The model's text as it streams: made storable like the response it becomes (a cut may split a pair).
      data: { sessionId, turnId: turn.turnId, chat, text: sanitizeText(text.slice(0, MAX_REPLY_CHARS)).text },
    });
    bus.publisher.publishEphemeral(TurnProgressed, subject, envelope);
  }, intervalMs);
}
