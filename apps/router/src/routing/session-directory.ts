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
   * Records that `turnId` goes to the chat's current session (created on first contact) and gives it
   * the session's next sequence number. Idempotent: a turn already routed keeps its session and seq.
   */
  async route(input: {
    tenantId: string;
    chatKey: string;
    turnId: string;
    newSessionId: string;
    agentId: string;
  }): Promise<RoutedMessage> {
    return this.dataSource.transaction(async (tx) => {
      // The upsert locks the chat's row, so concurrent routers of one chat take turns.
      const [session] = await tx.query(
        `INSERT INTO router.chat_sessions (tenant_id, chat_key, session_id, agent_id)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, chat_key) DO UPDATE SET next_seq = router.chat_sessions.next_seq
         RETURNING session_id, agent_id, next_seq`,
        [input.tenantId, input.chatKey, input.newSessionId, input.agentId],
      );
      const [existing] = await tx.query(
        `SELECT session_id, seq FROM router.routed_messages WHERE turn_id = $1 AND tenant_id = $2`,
        [input.turnId, input.tenantId],
      );
      if (existing) return { sessionId: existing.session_id, agentId: session.agent_id, seq: existing.seq };
      await tx.query(
        `INSERT INTO router.routed_messages (turn_id, tenant_id, session_id, seq) VALUES ($1, $2, $3, $4)`,
        [input.turnId, input.tenantId, session.session_id, session.next_seq],
      );
      await tx.query(
        `UPDATE router.chat_sessions SET next_seq = next_seq + 1 WHERE tenant_id = $1 AND chat_key = $2`,
        [input.tenantId, input.chatKey],
      );
      return { sessionId: session.session_id, agentId: session.agent_id, seq: session.next_seq };
    });
  }
}
