import type { ChatRef, Usage } from '@clawfleet/contracts';
import type { AlongsideWrite } from '@clawfleet/event-store';
import { queryPrepared } from '@clawfleet/platform';
import type { DataSource } from 'typeorm';
import { boundedLimit, Conditions, isoMicros, type PageRequest, type TimeKey } from '../keyset';

/**
 * `queued`: messages wait for a turn (a runner may be on its first model call already: a turn's start
 * is recorded with its first result); `running`: a turn runs; `suspended`: it waits for an answer.
 */
export const SESSION_STATUSES = ['idle', 'queued', 'running', 'suspended'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** What the index keeps of a session: its state after an append, summarized. */
export interface SessionSummary {
  readonly sessionId: string;
  readonly tenantId: string;
  readonly agentId: string;
  readonly agentVersion: number | null;
  readonly chat: ChatRef;
  readonly status: SessionStatus;
  /** The running or suspended turn. */
  readonly turnId: string | null;
  /** Messages waiting for a turn. */
  readonly queued: number;
  readonly lastSeq: number;
  /** Turns ended (completed, failed or cancelled). */
  readonly turns: number;
  /** Tokens of every model call of the session so far. */
  readonly usage: Usage;
}

export interface IndexedSession extends SessionSummary {
  /** The session stream's version at the last append. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** The page key of this row (`updatedAt` with microseconds, and the id). */
  readonly key: TimeKey;
}

export interface SessionFilter {
  readonly agentId?: string;
  readonly status?: SessionStatus;
  readonly channel?: string;
  readonly chatId?: string;
  readonly threadId?: string;
  /** Updated at or after. */
  readonly updatedSince?: Date;
  /** Updated before. */
  readonly updatedBefore?: Date;
}

/**
 * The session's row, written in the same statement as an append to its stream (an alongside write of
 * the event store), so the index is exactly as current as the stream: committed together or not at
 * all. Only session-runner, the stream's writer, calls this.
 */
export function sessionIndexWrite(s: SessionSummary): AlongsideWrite {
  return {
    sql: `INSERT INTO runner.sessions AS s (session_id, tenant_id, agent_id, agent_version, channel, chat_id, thread_id,
            status, turn_id, queued, last_seq, turns, input_tokens, output_tokens, version)
          SELECT $1::uuid, $2::text, $3::text, $4::int, $5::text, $6::text, $7::text, $8::text, $9::uuid, $10::int,
                 $11::int, $12::int, $13::bigint, $14::bigint, (SELECT version FROM appended)
          WHERE EXISTS (SELECT 1 FROM appended)
          ON CONFLICT (session_id) DO UPDATE SET
            agent_version = EXCLUDED.agent_version, status = EXCLUDED.status, turn_id = EXCLUDED.turn_id,
            queued = EXCLUDED.queued, last_seq = EXCLUDED.last_seq, turns = EXCLUDED.turns,
            input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
            version = EXCLUDED.version, updated_at = now()
          WHERE s.tenant_id = EXCLUDED.tenant_id`,
    params: [
      s.sessionId,
      s.tenantId,
      s.agentId,
      s.agentVersion,
      s.chat.channel,
      s.chat.chatId,
      s.chat.threadId ?? null,
      s.status,
      s.turnId,
      s.queued,
      s.lastSeq,
      s.turns,
      s.usage.inputTokens,
      s.usage.outputTokens,
    ],
  };
}

interface Row {
  session_id: string;
  tenant_id: string;
  agent_id: string;
  agent_version: number | null;
  channel: ChatRef['channel'];
  chat_id: string;
  thread_id: string | null;
  status: SessionStatus;
  turn_id: string | null;
  queued: number;
  last_seq: number;
  turns: number;
  input_tokens: string;
  output_tokens: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  updated_key: string;
}

const COLUMNS = `session_id, tenant_id, agent_id, agent_version, channel, chat_id, thread_id, status, turn_id, queued,
  last_seq, turns, input_tokens, output_tokens, version, created_at, updated_at, ${isoMicros('updated_at')} AS updated_key`;

const toSession = (r: Row): IndexedSession => ({
  sessionId: r.session_id,
  tenantId: r.tenant_id,
  agentId: r.agent_id,
  agentVersion: r.agent_version,
  chat: { channel: r.channel, chatId: r.chat_id, ...(r.thread_id !== null && { threadId: r.thread_id }) },
  status: r.status,
  turnId: r.turn_id,
  queued: r.queued,
  lastSeq: r.last_seq,
  turns: r.turns,
  usage: { inputTokens: Number(r.input_tokens), outputTokens: Number(r.output_tokens) },
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  key: { at: r.updated_key, id: r.session_id },
});

/**
 * The sessions of a tenant as operators list them: most recently updated first, filtered, in keyset
 * pages over `(updated_at, session_id)` on an index per filter, so page 2,000 costs what page 1 does.
 * A session updated while a client pages moves to the front: it is not seen twice, and shows up
 * again to a list `updatedSince` the walk began.
 */
export class SessionIndex {
  constructor(private readonly dataSource: DataSource) {}

  async list(tenantId: string, filter: SessionFilter, page: PageRequest<TimeKey>): Promise<IndexedSession[]> {
    const c = new Conditions().add('tenant_id = ?', tenantId);
    if (filter.agentId !== undefined) c.add('agent_id = ?', filter.agentId);
    // A literal, not a parameter: a generic plan could not prove `status <> 'idle'` and use the
    // partial index of busy sessions.
    if (filter.status !== undefined) {
      if (!SESSION_STATUSES.includes(filter.status)) throw new Error(`no session status ${String(filter.status)}`);
      c.add(`status = '${filter.status}'`);
    }
    if (filter.channel !== undefined) c.add('channel = ?', filter.channel);
    if (filter.chatId !== undefined) c.add('chat_id = ?', filter.chatId);
    if (filter.threadId !== undefined) c.add('thread_id = ?', filter.threadId);
    if (filter.updatedSince !== undefined) c.add('updated_at >= ?', filter.updatedSince);
    if (filter.updatedBefore !== undefined) c.add('updated_at < ?', filter.updatedBefore);
    if (page.after) c.add('(updated_at, session_id) < (?::timestamptz, ?::uuid)', page.after.at, page.after.id);
    const limit = c.param(boundedLimit(page.limit));
    const { rows } = await queryPrepared<Row>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM runner.sessions WHERE ${c.where} ORDER BY updated_at DESC, session_id DESC LIMIT $${limit}`,
      c.params,
    );
    return rows.map(toSession);
  }

  async get(tenantId: string, sessionId: string): Promise<IndexedSession | undefined> {
    const { rows } = await queryPrepared<Row>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM runner.sessions WHERE session_id = $1 AND tenant_id = $2`,
      [sessionId, tenantId],
    );
    return rows[0] && toSession(rows[0]);
  }
}
