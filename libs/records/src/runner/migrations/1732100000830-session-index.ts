import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionIndex1732100000830 implements MigrationInterface {
  name = 'SessionIndex1732100000830';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS runner`);
    // One row per session, written by session-runner in the same statement as each append to the
    // session's stream: what an operator lists and filters by, without folding a stream.
    await q.query(`
      CREATE TABLE runner.sessions (
        session_id     uuid PRIMARY KEY,
        tenant_id      text NOT NULL,
        agent_id       text NOT NULL,
        agent_version  integer,
        channel        text NOT NULL,
        chat_id        text NOT NULL,
        thread_id      text,
        status         text NOT NULL CHECK (status IN ('idle', 'queued', 'running', 'suspended')),
        -- The running or suspended turn; null when idle.
        turn_id        uuid,
        queued         integer NOT NULL DEFAULT 0,
        last_seq       integer NOT NULL DEFAULT 0,
        turns          integer NOT NULL DEFAULT 0,
        input_tokens   bigint NOT NULL DEFAULT 0,
        output_tokens  bigint NOT NULL DEFAULT 0,
        version        integer NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    // Keyset pages on (updated_at, session_id), newest first: every page costs what the first does.
    await q.query(`CREATE INDEX sessions_recent ON runner.sessions (tenant_id, updated_at DESC, session_id DESC)`);
    await q.query(
      `CREATE INDEX sessions_agent ON runner.sessions (tenant_id, agent_id, updated_at DESC, session_id DESC)`,
    );
    // A chat has few sessions: they are sorted after the lookup.
    await q.query(`CREATE INDEX sessions_chat ON runner.sessions (tenant_id, channel, chat_id)`);
    // Queued, running and suspended sessions are few among many idle ones.
    await q.query(
      `CREATE INDEX sessions_busy ON runner.sessions (tenant_id, status, updated_at DESC, session_id DESC)
       WHERE status <> 'idle'`,
    );
    // Sessions from before the index: listed as idle with their chat and agent; the next append to
    // each one writes its real summary.
    await q.query(`
      INSERT INTO runner.sessions (session_id, tenant_id, agent_id, channel, chat_id, thread_id, status, version, created_at, updated_at)
      SELECT (e.data->>'sessionId')::uuid, e.tenant_id, e.data->>'agentId', e.data->'chat'->>'channel',
             e.data->'chat'->>'chatId', e.data->'chat'->>'threadId', 'idle', s.version, e.recorded_at, s.updated_at
      FROM eventstore.events e JOIN eventstore.streams s ON s.stream_id = e.stream_id
      WHERE e.type = 'SessionStarted' AND e.version = 1 AND e.stream_id LIKE 'session-%'
      ON CONFLICT (session_id) DO NOTHING`);
    // Model usage per tenant, agent and UTC day, added in the same statement as the events that
    // record it (ModelResponded, ContextCompacted, the end of a turn): each counted exactly once.
    await q.query(`
      CREATE TABLE runner.usage_daily (
        tenant_id      text NOT NULL,
        day            date NOT NULL,
        agent_id       text NOT NULL,
        input_tokens   bigint NOT NULL DEFAULT 0,
        output_tokens  bigint NOT NULL DEFAULT 0,
        model_calls    integer NOT NULL DEFAULT 0,
        turns          integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, day, agent_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE runner.usage_daily`);
    await q.query(`DROP TABLE runner.sessions`);
  }
}
