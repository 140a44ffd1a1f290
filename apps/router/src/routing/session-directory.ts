import { queryPrepared } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface RoutedMessage {
  readonly sessionId: string;
  readonly agentId: string;
  readonly seq: number;
}

/** Which session a chat is in, and the order its messages were routed in. */
@Injectable()
export class SessionDirectory {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records that `turnId` goes to the agent's session under `chatKey` (created on first contact) and
   * gives it the session's next sequence number. Idempotent: a turn already routed keeps its session and seq.
   */
  async route(input: {
    tenantId: string;
    chatKey: string;
    turnId: string;
    newSessionId: string;
    agentId: string;
    /** `/new`: the chat moves to a new session, whose first message this is. */
    startNewSession?: boolean;
    /** mention-sticky: the agent answers in this session without a mention until then. */
    stickyUntil?: Date;
    /**
     * The plain path (one agent engaged): the message's terminal outcome is recorded by this same
     * statement, so it costs no commit of its own.
     */
    outcomeKey?: string;
  }): Promise<RoutedMessage> {
    // One statement, one round trip: a routed turn keeps its session and seq; a new one takes the
    // chat's next seq (the upsert locks the chat's row, so concurrent routers of a chat take turns).
    const {
      rows: [row],
    } = await queryPrepared<{ session_id: string; seq: number }>(
      this.dataSource,
      `WITH existing AS (
         SELECT session_id, seq FROM router.routed_messages WHERE turn_id = $5 AND tenant_id = $1
       ), claimed AS (
         INSERT INTO router.chat_sessions AS cs (tenant_id, chat_key, session_id, agent_id, next_seq, sticky_until)
         SELECT $1, $2, $3, $4, 2, $7::timestamptz WHERE NOT EXISTS (SELECT 1 FROM existing)
         ON CONFLICT (tenant_id, chat_key, agent_id) DO UPDATE SET
           session_id = CASE WHEN $6 THEN EXCLUDED.session_id ELSE cs.session_id END,
           next_seq = CASE WHEN $6 THEN 2 ELSE cs.next_seq + 1 END,
           sticky_until = COALESCE(EXCLUDED.sticky_until, cs.sticky_until)
         RETURNING session_id, next_seq - 1 AS seq
       ), routed AS (
         INSERT INTO router.routed_messages (turn_id, tenant_id, session_id, seq)
         SELECT $5, $1, session_id, seq FROM claimed RETURNING seq
       ), recorded AS (
         INSERT INTO router.inbound_outcomes (tenant_id, message_key, outcome, decisions)
         SELECT $1, $8::text, 'engaged', jsonb_build_array(jsonb_build_object('kind', 'engage', 'agentId', $4::text, 'turnId', $5::uuid,
                'sessionId', COALESCE((SELECT session_id FROM existing), (SELECT session_id FROM claimed))))
         WHERE $8::text IS NOT NULL
         ON CONFLICT (tenant_id, message_key) DO UPDATE SET outcome = EXCLUDED.outcome, decisions = EXCLUDED.decisions, recorded_at = now()
         WHERE router.inbound_outcomes.outcome = 'failed'
       )
       SELECT COALESCE((SELECT session_id FROM existing), (SELECT session_id FROM claimed)) AS session_id,
              COALESCE((SELECT seq FROM existing), (SELECT seq FROM routed)) AS seq`,
      [
        input.tenantId,
        input.chatKey,
        input.newSessionId,
        input.agentId,
        input.turnId,
        input.startNewSession ?? false,
        input.stickyUntil ?? null,
        input.outcomeKey ?? null,
      ],
    );
    return { sessionId: row!.session_id, agentId: input.agentId, seq: row!.seq };
  }

  /**
   * Records that `turnId` (an operator's message from the admin API) goes into the session itself,
   * with the session's next seq, and records the message's outcome in the same statement. Only a
   * session that is still its chat's current one for the agent takes it (an older one has no seq to
   * give: `/new` moved its chat on); then nothing is written and undefined returned. Idempotent: a
   * routed turn keeps its seq.
   */
  async routeInto(input: {
    tenantId: string;
    sessionId: string;
    agentId: string;
    turnId: string;
    outcomeKey: string;
  }): Promise<{ seq: number } | undefined> {
    const {
      rows: [row],
    } = await queryPrepared<{ seq: number | null }>(
      this.dataSource,
      `WITH existing AS (
         SELECT seq FROM router.routed_messages WHERE turn_id = $3 AND tenant_id = $1 AND session_id = $2
       ), claimed AS (
         UPDATE router.chat_sessions SET next_seq = next_seq + 1
         WHERE tenant_id = $1 AND session_id = $2 AND agent_id = $4 AND NOT EXISTS (SELECT 1 FROM existing)
         RETURNING next_seq - 1 AS seq
       ), routed AS (
         INSERT INTO router.routed_messages (turn_id, tenant_id, session_id, seq)
         SELECT $3, $1, $2, seq FROM claimed RETURNING seq
       ), recorded AS (
         INSERT INTO router.inbound_outcomes (tenant_id, message_key, outcome, decisions)
         SELECT $1, $5, 'engaged', jsonb_build_array(jsonb_build_object('kind', 'engage', 'agentId', $4::text,
                'turnId', $3::uuid, 'sessionId', $2::uuid, 'rule', 'operator'))
         WHERE EXISTS (SELECT 1 FROM existing) OR EXISTS (SELECT 1 FROM routed)
         ON CONFLICT (tenant_id, message_key) DO UPDATE SET outcome = EXCLUDED.outcome, decisions = EXCLUDED.decisions, recorded_at = now()
         WHERE router.inbound_outcomes.outcome = 'failed'
       )
       SELECT COALESCE((SELECT seq FROM existing), (SELECT seq FROM routed)) AS seq`,
      [input.tenantId, input.sessionId, input.turnId, input.agentId, input.outcomeKey],
    );
    return row?.seq == null ? undefined : { seq: row.seq };
  }

  /** Until when mention-sticky agents answer in these sessions (epoch ms), by `agentId|chatKey`. */
  async stickiness(tenantId: string, chatKeys: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await queryPrepared<{ agent_id: string; chat_key: string; sticky_until: Date }>(
      this.dataSource,
      `SELECT agent_id, chat_key, sticky_until FROM router.chat_sessions
       WHERE tenant_id = $1 AND chat_key = ANY($2::text[]) AND sticky_until IS NOT NULL`,
      [tenantId, chatKeys],
    );
    return new Map(rows.map((r) => [`${r.agent_id}|${r.chat_key}`, r.sticky_until.getTime()]));
  }
}
