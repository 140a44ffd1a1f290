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

/**
 * The admin API's session list over `count` sessions of one tenant, seeded in one statement into the
 * session index (as session-runner writes it): the first page, a page deep in the cursor chain, and
 * every page of a walk through all of them. Keyset pages should cost the same at any depth.
 */
export async function listSessions(ctx, count, repeats = 100) {
  const tenant = 'bench-list';
  const t0 = wallNow();
  await ctx.query(
    `INSERT INTO runner.sessions (session_id, tenant_id, agent_id, channel, chat_id, status, turn_id, last_seq, turns, version, created_at, updated_at)
     SELECT gen_random_uuid(), $1, 'agent-' || (n % 10), 'http', 'chat-' || n,
            CASE WHEN n % 100 = 0 THEN 'running' ELSE 'idle' END, CASE WHEN n % 100 = 0 THEN gen_random_uuid() END,
            n % 40, n % 20, 1 + n % 80, now() - n * interval '1 second', now() - n * interval '1 second'
     FROM generate_series(1, $2::int) AS n`,
    [tenant, count],
  );
  await ctx.query('ANALYZE runner.sessions');
  const seedMs = wallNow() - t0;

  const get = async (query) => {
    const started = wallNow();
    const res = await fetch(`${ctx.admin.url}/v1/tenants/${tenant}/sessions?${query}`, {
      headers: { authorization: `Bearer ${ctx.admin.key}` },
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`GET sessions?${query}: ${res.status} ${JSON.stringify(body)}`);
    return { ms: wallNow() - started, body };
  };
  const timesOf = async (query) => {
    const ms = [];
    for (let i = 0; i < repeats; i++) ms.push((await get(query)).ms);
    return ms;
  };

  // Walk the whole chain, 200 a page; keep the cursor that starts about 90 % deep.
  const pageSize = 200;
  const walk = [];
  let cursor;
  let deepCursor;
  let seen = 0;
  do {
    const { ms, body } = await get(`limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`);
    walk.push(ms);
    seen += body.items.length;
    cursor = body.nextCursor;
    if (!deepCursor && seen >= count * 0.9) deepCursor = cursor;
  } while (cursor);
  if (seen !== count) throw new Error(`the walk saw ${seen} sessions, not ${count}`);

  await timesOf('limit=50'); // warm
  const first = await timesOf('limit=50');
  const deep = await timesOf(`limit=50&cursor=${deepCursor}`);
  const firstFiltered = await timesOf('limit=50&agentId=agent-3');
  const running = await timesOf('limit=50&status=running');
  return {
    sessions: count,
    seedMs: Math.round(seedMs),
    deepAfter: Math.round(count * 0.9),
    firstPage: summarize(first),
    deepPage: summarize(deep),
    walk: summarize(walk),
    walkPageSize: pageSize,
    agentFiltered: summarize(firstFiltered),
    runningFiltered: summarize(running),
  };
}

/** The tool calls of a chat's session, timed by the store: ToolCallStarted → ToolCallCompleted commit, per call (ms). */
async function toolCallTimes(ctx, chatId) {
  const rows = await ctx.query(
    `SELECT e.type, e.data->>'toolCallId' AS id, extract(epoch FROM e.recorded_at) * 1000 AS ms
     FROM eventstore.events e
     WHERE e.type IN ('ToolCallStarted', 'ToolCallCompleted') AND e.stream_id IN (
       SELECT stream_id FROM eventstore.events WHERE type = 'SessionStarted' AND data->'chat'->>'chatId' = $1)
     ORDER BY e.global_position`,
    [ctx.ownedChatId(chatId)],
  );
  const started = new Map();
  const out = [];
  for (const r of rows) {
    if (r.type === 'ToolCallStarted') started.set(r.id, Number(r.ms));
    else if (started.has(r.id)) out.push(Number(r.ms) - started.get(r.id));
  }
  return out;
}

const bashCall = (command) => ({ name: 'bash', arguments: { command } });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sandbox tool calls through the platform (the runner has SANDBOX_WARM_POOL=1): the first call of new
 * sessions, each classified by the container that served it (a claimed warm one carries the pool
 * label; sessions alternate between waiting for the pool to refill and starting right after, when it
 * is empty), and no-op `bash` calls in a running sandbox. Each call is timed from its ToolCallStarted
 * commit to its ToolCallCompleted commit (the runner's own work, the exec, one commit).
 */
export async function sandbox(ctx, { sessions, calls }) {
  const { docker, namespace } = ctx.sandbox;
  const named = async (prefix) =>
    (await docker.listContainers({ all: true, filters: { label: [`clawfleet.namespace=${namespace}`] } })).filter((c) =>
      c.Names.some((n) => n.startsWith(`/clawfleet.${namespace}.${prefix}`)),
    );
  const warm = [];
  const cold = [];
  for (let i = 0; i < sessions; i++) {
    if (i % 2 === 0) {
      // The pool refills after a claim: wait for its container and its helper's first answer.
      for (let t = 0; t < 100 && (await named('_pool.')).length === 0; t++) await sleep(100);
      await sleep(1_000);
    }
    const chatId = `bench-sbx-new-${i}`;
    const [chat] = await openChats(ctx, chatId, 1);
    ctx.model.script({ toolCalls: [bashCall('true')] }, { text: 'done' });
    await turn(chat, `first call ${i}`, 'done');
    await chat.close();
    const [ms] = await toolCallTimes(ctx, `${chatId}-0`);
    const [session] = await ctx.query(
      // An HTTP chat is its user's own: the platform knows it by its owned id.
      `SELECT data->>'sessionId' AS id FROM eventstore.events WHERE type = 'SessionStarted' AND data->'chat'->>'chatId' = $1`,
      [ctx.ownedChatId(`${chatId}-0`)],
    );
    let container;
    for (let t = 0; t < 40 && !container; t++) {
      [container] = await named(`default.${session.id}`);
      if (!container) await sleep(50);
    }
    if (ms !== undefined) (container?.Labels['clawfleet.pool'] ? warm : cold).push(ms);
  }

  const [chat] = await openChats(ctx, 'bench-sbx-noop', 1);
  ctx.model.script({ toolCalls: [bashCall('true')] }, { text: 'done' });
  await turn(chat, 'prime the sandbox', 'done');
  const perTurn = 10;
  for (let i = 0; i < Math.ceil(calls / perTurn); i++) {
    ctx.model.script({ toolCalls: Array.from({ length: perTurn }, () => bashCall('true')) }, { text: 'done' });
    await turn(chat, `no-op calls ${i}`, 'done');
  }
  await chat.close();
  const noop = (await toolCallTimes(ctx, 'bench-sbx-noop-0')).slice(1);
  return {
    sessions,
    firstCallWarm: summarize(warm),
    firstCallCold: summarize(cold),
    noopCall: summarize(noop),
    note: 'ToolCallStarted → ToolCallCompleted commit times (PostgreSQL now() of each commit), per call',
  };
}
