import type { Channel, OutboundReady } from '@clawfleet/contracts';
import { queryPrepared } from '@clawfleet/platform';
import type { DataSource } from 'typeorm';
import { boundedLimit, Conditions, isoMicros, type PageRequest, type TimeKey } from '../keyset';

export type Settlement = { status: 'sent'; channelMessageIds: string[] } | { status: 'failed'; error: string };

/** A reply that was given up for good (the channel refused it), as an operator sees it. */
export interface DeliveryFailure {
  readonly outboundId: string;
  readonly sessionId: string;
  readonly seq: number;
  readonly channel: Channel;
  readonly chatId: string;
  readonly error: string;
  readonly failedAt: Date;
  /** The page key of this row (`failedAt` with microseconds, and the outbound id). */
  readonly key: TimeKey;
}

/**
 * Delivery records (delivery's tables): which outbound messages are settled, and how far each
 * session has got. Delivery writes them; the admin API lists the failures through `listFailures`.
 */
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

  /** The tenant's failed deliveries, newest first, a page at a time; `sessionId` narrows to one session. */
  async listFailures(
    tenantId: string,
    filter: { sessionId?: string },
    page: PageRequest<TimeKey>,
  ): Promise<DeliveryFailure[]> {
    const c = new Conditions().add('tenant_id = ?', tenantId).add(`status = 'failed'`);
    if (filter.sessionId !== undefined) c.add('session_id = ?::uuid', filter.sessionId);
    if (page.after) c.add('(delivered_at, outbound_id) < (?::timestamptz, ?::uuid)', page.after.at, page.after.id);
    const limit = c.param(boundedLimit(page.limit));
    const { rows } = await queryPrepared<{
      outbound_id: string;
      session_id: string;
      seq: number;
      channel: Channel;
      chat_id: string;
      error: string | null;
      delivered_at: Date;
      failed_key: string;
    }>(
      this.dataSource,
      `SELECT outbound_id, session_id, seq, channel, chat_id, error, delivered_at, ${isoMicros('delivered_at')} AS failed_key
       FROM delivery.deliveries WHERE ${c.where} ORDER BY delivered_at DESC, outbound_id DESC LIMIT $${limit}`,
      c.params,
    );
    return rows.map((r) => ({
      outboundId: r.outbound_id,
      sessionId: r.session_id,
      seq: r.seq,
      channel: r.channel,
      chatId: r.chat_id,
      error: r.error ?? 'failed',
      failedAt: r.delivered_at,
      key: { at: r.failed_key, id: r.outbound_id },
    }));
  }
}
