import type { AlongsideWrite } from '@clawfleet/event-store';
import { queryPrepared } from '@clawfleet/platform';
import type { DataSource } from 'typeorm';
import { boundedLimit, Conditions, type PageRequest } from '../keyset';

/** What one append adds to the day's usage of an agent. */
export interface UsageDelta {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly modelCalls: number;
  /** Turns that ended (completed, failed or cancelled). */
  readonly turns: number;
}

export const isEmptyDelta = (d: UsageDelta) =>
  d.inputTokens === 0 && d.outputTokens === 0 && d.modelCalls === 0 && d.turns === 0;

/**
 * Adds to the agent's usage of the current UTC day, in the same statement as the append that records
 * the usage (session-runner only): a model call is counted once, whatever crashes and retries happen.
 */
export function dailyUsageWrite(tenantId: string, agentId: string, delta: UsageDelta): AlongsideWrite {
  return {
    sql: `INSERT INTO runner.usage_daily AS u (tenant_id, day, agent_id, input_tokens, output_tokens, model_calls, turns)
          SELECT $1::text, (now() AT TIME ZONE 'UTC')::date, $2::text, $3::bigint, $4::bigint, $5::int, $6::int
          WHERE EXISTS (SELECT 1 FROM appended)
          ON CONFLICT (tenant_id, day, agent_id) DO UPDATE SET
            input_tokens = u.input_tokens + EXCLUDED.input_tokens, output_tokens = u.output_tokens + EXCLUDED.output_tokens,
            model_calls = u.model_calls + EXCLUDED.model_calls, turns = u.turns + EXCLUDED.turns`,
    params: [tenantId, agentId, delta.inputTokens, delta.outputTokens, delta.modelCalls, delta.turns],
  };
}

export interface DayUsage extends UsageDelta {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly agentId: string;
}

export interface UsageFilter {
  /** First and last day, inclusive (`YYYY-MM-DD`). */
  readonly from: string;
  readonly to: string;
  readonly agentId?: string;
}

/** The page key of a day's row: the day and the agent. */
export interface DayKey {
  readonly day: string;
  readonly agentId: string;
}

interface Row {
  day: string;
  agent_id: string;
  input_tokens: string;
  output_tokens: string;
  model_calls: number;
  turns: number;
}

const toUsage = (r: Row): DayUsage => ({
  day: r.day,
  agentId: r.agent_id,
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  modelCalls: Number(r.model_calls),
  turns: Number(r.turns),
});

/** Usage per tenant, agent and day, newest day first. */
export class DailyUsage {
  constructor(private readonly dataSource: DataSource) {}

  private conditions(tenantId: string, filter: UsageFilter): Conditions {
    const c = new Conditions()
      .add('tenant_id = ?', tenantId)
      .add('day >= ?::date', filter.from)
      .add('day <= ?::date', filter.to);
    if (filter.agentId !== undefined) c.add('agent_id = ?', filter.agentId);
    return c;
  }

  async list(tenantId: string, filter: UsageFilter, page: PageRequest<DayKey>): Promise<DayUsage[]> {
    const c = this.conditions(tenantId, filter);
    if (page.after) c.add('(day, agent_id) < (?::date, ?::text)', page.after.day, page.after.agentId);
    const limit = c.param(boundedLimit(page.limit));
    const { rows } = await queryPrepared<Row>(
      this.dataSource,
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, agent_id, input_tokens, output_tokens, model_calls, turns
       FROM runner.usage_daily WHERE ${c.where} ORDER BY day DESC, agent_id DESC LIMIT $${limit}`,
      c.params,
    );
    return rows.map(toUsage);
  }

  /** The sums over the whole filtered range. */
  async total(tenantId: string, filter: UsageFilter): Promise<UsageDelta> {
    const c = this.conditions(tenantId, filter);
    const { rows } = await queryPrepared<Omit<Row, 'day' | 'agent_id'>>(
      this.dataSource,
      `SELECT COALESCE(sum(input_tokens), 0) AS input_tokens, COALESCE(sum(output_tokens), 0) AS output_tokens,
              COALESCE(sum(model_calls), 0) AS model_calls, COALESCE(sum(turns), 0) AS turns
       FROM runner.usage_daily WHERE ${c.where}`,
      c.params,
    );
    const { day: _d, agentId: _a, ...total } = toUsage({ ...rows[0]!, day: '', agent_id: '' });
    return total;
  }
}
