import type { OutboundReady } from '@clawfleet/contracts';
import { queryPrepared } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type Settlement = { status: 'sent'; channelMessageIds: string[] } | { status: 'failed'; error: string };

/** Delivery records: which outbound messages are settled, and how far each session has got. */
@Injectable()
export class DeliveryLog {
  constructor(private readonly dataSource: DataSource) {}

  /** The highest settled seq of a session (0 when nothing was delivered yet). */
  async settledUpTo(tenantId: string, sessionId: string): Promise<number> {
    const { rows } = await queryPrepared<{ last_seq: number }>(
      this.dataSource,
      `SELECT last_seq FROM delivery.session_cursors WHERE session_id = $1 AND tenant_id = $2`,
      [sessionId, tenantId],
    );
    return rows[0]?.last_seq ?? 0;
  }

  /** How an outbound message was settled (undefined: it was not). */
  async settlementOf(outbound: OutboundReady): Promise<Settlement | undefined> {
    const {
      rows: [row],
    } = await queryPrepared<{ status: 'sent' | 'failed'; channel_message_ids: string[]; error: string | null }>(
      this.dataSource,
      `SELECT status, channel_message_ids, error FROM delivery.deliveries WHERE outbound_id = $1 AND tenant_id = $2`,
      [outbound.data.outboundId, outbound.tenantId],
    );
    if (!row) return undefined;
    return row.status === 'sent'
      ? { status: 'sent', channelMessageIds: row.channel_message_ids }
      : { status: 'failed', error: row.error ?? 'failed' };
  }

  async settle(outbound: OutboundReady, settlement: Settlement): Promise<void> {
    const { data } = outbound;
    // The record and the session's cursor in one statement (one round trip, one commit).
    await queryPrepared(
      this.dataSource,
      `WITH recorded AS (
         INSERT INTO delivery.deliveries (outbound_id, tenant_id, session_id, seq, channel, chat_id, status, channel_message_ids, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (outbound_id) DO NOTHING
       )
       INSERT INTO delivery.session_cursors (session_id, tenant_id, last_seq) VALUES ($3, $2, $4)
       ON CONFLICT (session_id) DO UPDATE SET last_seq = GREATEST(delivery.session_cursors.last_seq, EXCLUDED.last_seq)`,
      [
        data.outboundId,
        outbound.tenantId,
        data.sessionId,
        data.seq,
        data.chat.channel,
        data.chat.chatId,
        settlement.status,
        JSON.stringify(settlement.status === 'sent' ? settlement.channelMessageIds : []),
        settlement.status === 'failed' ? settlement.error : null,
      ],
    );
  }
}
