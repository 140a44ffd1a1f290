import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RoutingOutcomes1732100000600 implements MigrationInterface {
  name = 'RoutingOutcomes1732100000600';

  async up(q: QueryRunner): Promise<void> {
    // A chat (or thread, or user in it, by the binding's session scope) has a session per agent:
    // several agents bound to one group answer in sessions of their own. Existing rows keep theirs.
    await q.query(`ALTER TABLE router.chat_sessions DROP CONSTRAINT chat_sessions_pkey`);
    await q.query(`ALTER TABLE router.chat_sessions ADD PRIMARY KEY (tenant_id, chat_key, agent_id)`);
    // mention-sticky: until when the agent answers in this session without being mentioned.
    await q.query(`ALTER TABLE router.chat_sessions ADD COLUMN sticky_until timestamptz`);
    // The terminal outcome of every inbound message: engaged (turns), ignored (rule), refused (why), failed (why).
    await q.query(`
      CREATE TABLE router.inbound_outcomes (
        tenant_id    text NOT NULL,
        message_key  text NOT NULL,
        outcome      text NOT NULL CHECK (outcome IN ('engaged', 'ignored', 'refused', 'failed')),
        -- Per agent considered: {kind, agentId, turnId?, sessionId?, rule?, reason?}
        decisions    jsonb NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, message_key)
      )`);
    await q.query(`CREATE INDEX inbound_outcomes_recent ON router.inbound_outcomes (tenant_id, recorded_at DESC)`);
    // Messages an agent ignored under the accumulate policy, until its next turn in the session takes them.
    await q.query(`
      CREATE TABLE router.pending_context (
        tenant_id    text NOT NULL,
        chat_key     text NOT NULL,
        agent_id     text NOT NULL,
        message_key  text NOT NULL,
        sender       text NOT NULL,
        text         text NOT NULL,
        received_at  timestamptz NOT NULL,
        -- The turn that took it; set once, so a redelivered turn takes the same messages again.
        turn_id      uuid,
        PRIMARY KEY (tenant_id, chat_key, agent_id, message_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE router.pending_context`);
    await q.query(`DROP TABLE router.inbound_outcomes`);
    await q.query(`ALTER TABLE router.chat_sessions DROP COLUMN sticky_until`);
    await q.query(`ALTER TABLE router.chat_sessions DROP CONSTRAINT chat_sessions_pkey`);
    await q.query(`ALTER TABLE router.chat_sessions ADD PRIMARY KEY (tenant_id, chat_key)`);
  }
}
