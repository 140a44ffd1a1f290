// The benchmark scenarios, driven through the HTTP channel exactly as a client would.
import { summarize, wallNow } from './stats.mjs';

const REPLY_TIMEOUT_MS = 30_000;

/** One turn: POST, then wait for the SSE reply. Returns { ms, t0, t1, sent, reply }; throws on a wrong reply. */
async function turn(chat, text, expected = `echo: ${text}`) {
  const t0 = wallNow();
  const sent = await chat.send(text);
  const reply = await chat.nextReply(REPLY_TIMEOUT_MS);
  const t1 = wallNow();
  if (reply.replyTo !== sent.messageId || reply.text !== expected || reply.kind !== 'reply') {
    throw new Error(
      `chat ${chat.chatId}: wrong reply to ${sent.messageId} (${JSON.stringify(text)}): ${JSON.stringify(reply)}`,
    );
  }
  return { ms: t1 - t0, t0, t1, sent, reply };
}

/** Opens `n` chats of the bench's user, `parallel` at a time (every SSE stream is subscribed before it resolves). */
async function openChats(ctx, prefix, n, parallel = 32) {
  const chats = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, n - i) }, (_, j) =>
      ctx.testing.openChat(ctx.gateway, `${prefix}-${i + j}`, { key: ctx.chatKey }),
    );
    chats.push(...(await Promise.all(batch)));
  }
  return chats;
}

export async function warmUp(ctx, messages = 50) {
  const chats = await openChats(ctx, 'bench-warm', 5);
  await Promise.all(
    chats.map(async (chat, c) => {
      for (let i = 0; i < messages / chats.length; i++) await turn(chat, `warm-up ${c}/${i}`);
    }),
  );
  await Promise.all(chats.map((c) => c.close()));
  return { messages };
}

/**
 * Round trips in one chat, one at a time. Splits each at the moment the fake model received the
 * request (its own log), and subtracts the model call as the runner timed it (ModelResponded.latencyMs).
 */
export async function sequential(ctx, count) {
  const chatId = 'bench-seq';
  const [chat] = await openChats(ctx, chatId, 1);
  const turns = [];
  const cpu0 = ctx.cpu();
  for (let i = 0; i < count; i++)
    turns.push({ text: `sequential message ${i}`, ...(await turn(chat, `sequential message ${i}`)) });
  const cpu = ctx.cpuReport(cpu0, ctx.cpu(), count);
  await chat.close();

  const byText = new Map(ctx.model.requests.filter((r) => r.lastUserText).map((r) => [r.lastUserText, r]));
  const toModel = [];
  const fromModel = [];
  for (const t of turns) {
    const request = byText.get(t.text);
    if (!request) continue;
    toModel.push(request.receivedAt - t.t0);
    fromModel.push(t.t1 - request.receivedAt);
  }
  const modelCalls = (
    await ctx.query(
      `SELECT (e.data->>'latencyMs')::float AS ms FROM eventstore.events e
       WHERE e.type = 'ModelResponded' AND e.stream_id IN (
         SELECT stream_id FROM eventstore.events WHERE type = 'SessionStarted' AND data->'chat'->>'chatId' = $1)
       ORDER BY e.version`,
      [ctx.ownedChatId(`${chatId}-0`)],
    )
  ).map((row) => row.ms);
  const paired = modelCalls.length === turns.length;
  return {
    count,
    roundTrip: summarize(turns.map((t) => t.ms)),
    modelCallByRunner: summarize(modelCalls),
    overhead: paired ? summarize(turns.map((t, i) => t.ms - modelCalls[i])) : null,
    overheadNote: paired
      ? 'round trip minus the model call as the runner timed it (ModelResponded.latencyMs), per turn'
      : `could not pair ${modelCalls.length} ModelResponded events with ${turns.length} turns`,
    postToModelRequest: summarize(toModel),
    modelRequestToReply: summarize(fromModel),
    fakeModelLatencyMs: 0,
    cpu,
  };
}

/** Closed loop: `concurrency` chats, each sends its next message when its previous reply arrived. */
export async function closedLoop(ctx, concurrency, seconds) {
  const chats = await openChats(ctx, `bench-c${concurrency}`, concurrency);
  const errors = [];
  try {
    // One untimed turn per chat first, so the window measures running sessions, not their creation.
    await Promise.all(chats.map((chat) => turn(chat, 'prime').catch((e) => errors.push(`prime: ${e.message}`))));
    const latencies = [];
    let inWindow = 0;
    const cpu0 = ctx.cpu();
    const start = wallNow();
    const deadline = start + seconds * 1000;
    await Promise.all(
      chats.map(async (chat) => {
        for (let k = 0; wallNow() < deadline; k++) {
          try {
            const t = await turn(chat, `load ${concurrency} ${k}`);
            latencies.push(t.ms);
            if (t.t1 <= deadline) inWindow++;
          } catch (error) {
            errors.push(error.message);
            return; // a lost reply would shift every later one: this chat stops
          }
        }
      }),
    );
    const drainedAfterMs = wallNow() - deadline;
    const cpu = ctx.cpuReport(cpu0, ctx.cpu(), latencies.length);
    return {
      concurrency,
      seconds,
      turns: latencies.length,
      turnsPerSecond: Math.round((inWindow / seconds) * 10) / 10,
      latency: summarize(latencies),
      drainedAfterMs: Math.round(drainedAfterMs),
      cpu,
      errors: errors.length,
      errorSamples: errors.slice(0, 5),
    };
  } finally {
    await Promise.all(chats.map((c) => c.close()));
  }
}

/** Turns in which the model calls `get_time` three times (one call per round), then answers. */
export async function tools(ctx, count) {
  const [chat] = await openChats(ctx, 'bench-tools', 1);
  const latencies = [];
  let toolResults = { ok: 0, other: [] };
  try {
    for (let i = 0; i < count; i++) {
      const call = { toolCalls: [{ name: 'get_time', arguments: {} }] };
      ctx.model.script(call, call, call, { text: 'done' });
      const before = ctx.model.requests.length;
      const t = await turn(chat, `what time is it? ${i}`, 'done');
      latencies.push(t.ms);
      const requests = ctx.model.requests.slice(before);
      if (requests.length !== 4 || ctx.model.pending() !== 0) {
        throw new Error(
          `tool turn ${i}: ${requests.length} model requests (want 4), ${ctx.model.pending()} scripted left`,
        );
      }
      for (const r of requests.slice(1)) {
        const last = r.body?.messages?.at(-1);
        if (last?.role === 'tool' && /^\d{4}-\d\d-\d\dT/.test(String(last.content))) toolResults.ok++;
        else if (toolResults.other.length < 3) toolResults.other.push(last);
      }
    }
  } finally {
    await chat.close();
  }
  return { count, toolCallsPerTurn: 3, modelCallsPerTurn: 4, latency: summarize(latencies), toolResults };
}
