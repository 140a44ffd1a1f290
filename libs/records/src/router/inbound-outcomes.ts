import { chatKey, type ChatRef } from '@clawfleet/contracts';
import { queryPrepared } from '@clawfleet/platform';
import type { DataSource } from 'typeorm';

export type TerminalOutcome = 'engaged' | 'ignored' | 'refused' | 'failed';

/** What happened to one agent's part of a message. */
export interface OutcomeDecision {
  readonly kind: 'engage' | 'ignore' | 'refuse' | 'fail';
  readonly agentId?: string;
  readonly turnId?: string;
  readonly sessionId?: string;
  readonly rule?: string;
  readonly reason?: string;
}

export interface RecordedOutcome {
  readonly tenantId: string;
  readonly messageKey: string;
  readonly outcome: TerminalOutcome;
  readonly decisions: readonly OutcomeDecision[];
  readonly recordedAt: Date;
}

/** A message's key among the tenant's: its chat and the channel's message id. */
export const messageKeyOf = (chat: ChatRef, messageId: string) => `${chatKey(chat)}#${messageId}`;

/**
 * The terminal outcome of every inbound message, recorded once its effects are published (so a
 * recorded message needs nothing more, and a redelivered one is recognised). Queried by tenant.
 * The router's table: the router records, the admin API reads (`outcomeOf`).
 */
export class InboundOutcomes {
  constructor(private readonly dataSource: DataSource) {}

  async record(
    tenantId: string,
    messageKey: string,
    outcome: TerminalOutcome,
    decisions: readonly OutcomeDecision[],
  ): Promise<void> {
    // The first outcome stays: a message that failed once and was redriven records its new one.
    await queryPrepared(
      this.dataSource,
      `INSERT INTO router.inbound_outcomes (tenant_id, message_key, outcome, decisions) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, message_key) DO UPDATE SET outcome = EXCLUDED.outcome, decisions = EXCLUDED.decisions, recorded_at = now()
       WHERE router.inbound_outcomes.outcome = 'failed'`,
      [tenantId, messageKey, outcome, JSON.stringify(decisions)],
    );
  }

  async outcomeOf(tenantId: string, messageKey: string): Promise<RecordedOutcome | undefined> {
    const { rows } = await queryPrepared<{ outcome: TerminalOutcome; decisions: OutcomeDecision[]; recorded_at: Date }>(
      this.dataSource,
      `SELECT outcome, decisions, recorded_at FROM router.inbound_outcomes WHERE tenant_id = $1 AND message_key = $2`,
      [tenantId, messageKey],
    );
    const row = rows[0];
    return row && { tenantId, messageKey, outcome: row.outcome, decisions: row.decisions, recordedAt: row.recorded_at };
  }

  /** The tenant's latest outcomes, newest first; `before` pages on (a recorded_at of the last page). */
  async list(
    tenantId: string,
    options: { limit?: number; before?: Date; outcome?: TerminalOutcome } = {},
  ): Promise<RecordedOutcome[]> {
    const rows: Array<{
      message_key: string;
      outcome: TerminalOutcome;
      decisions: OutcomeDecision[];
      recorded_at: Date;
    }> = await this.dataSource.query(
      `SELECT message_key, outcome, decisions, recorded_at FROM router.inbound_outcomes
         WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR recorded_at < $2) AND ($3::text IS NULL OR outcome = $3)
         ORDER BY recorded_at DESC LIMIT $4`,
      [tenantId, options.before ?? null, options.outcome ?? null, Math.min(options.limit ?? 100, 1_000)],
    );
    return rows.map((r) => ({
      tenantId,
      messageKey: r.message_key,
      outcome: r.outcome,
      decisions: r.decisions,
      recordedAt: r.recorded_at,
    }));
  }
}
