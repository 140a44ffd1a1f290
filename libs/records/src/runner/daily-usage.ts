import type { AlongsideWrite } from '@clawfleet/event-store';
import { queryPrepared } from '@clawfleet/platform';
import type { DataSource } from 'typeorm';
import { boundedLimit, Conditions, type PageRequest } from '../keyset';

/** Usage summed over a day (or a range): tokens, model calls, turns ended. */
export interface UsageDelta {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly modelCalls: number;
  /** Turns that ended (completed, failed or cancelled). */
  readonly turns: number;
}

/** One model's tokens and calls. */
export interface ModelUsageDelta {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly calls: number;
}

/** What one append adds to the day's usage of an agent: per model, and the turns it ended. */
export interface RecordedUsage {
  readonly byModel: Readonly<Record<string, ModelUsageDelta>>;
  readonly turns: number;
}

export const isEmptyUsage = (u: RecordedUsage) => u.turns === 0 && Object.keys(u.byModel).length === 0;

/** The row of the day that holds what no model did (turns ended). */
const NO_MODEL = '';

const ADD_USAGE = `INSERT INTO runner.usage_daily AS u
    (tenant_id, day, agent_id, model, input_tokens, output_tokens, model_calls, turns)
  SELECT $1::text, (now() AT TIME ZONE 'UTC')::date, $2::text, m.model, m.i, m.o, m.c, m.t
  FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::int[], $7::int[]) AS m(model, i, o, c, t)
  WHERE EXISTS (SELECT 1 FROM appended)
  ON CONFLICT (tenant_id, day, agent_id, model) DO UPDATE SET
    input_tokens = u.input_tokens + EXCLUDED.input_tokens, output_tokens = u.output_tokens + EXCLUDED.output_tokens,
    model_calls = u.model_calls + EXCLUDED.model_calls, turns = u.turns + EXCLUDED.turns`;

/**
 * Adds to the agent's usage of the current UTC day, by model, in the same statement as the append
 * that records the usage (session-runner only): a model call is counted once, whatever crashes and
 * retries happen. One upsert serves both readers: the admin API's per-agent days and /usage's models.
 */
export function dailyUsageWrite(tenantId: string, agentId: string, usage: RecordedUsage): AlongsideWrite {
  const models = Object.keys(usage.byModel).sort();
  const rows = models.map((m) => ({ model: m, ...usage.byModel[m]!, turns: 0 }));
  if (usage.turns > 0) rows.push({ model: NO_MODEL, inputTokens: 0, outputTokens: 0, calls: 0, turns: usage.turns });
  return {
    sql: ADD_USAGE,
    params: [
      tenantId,
      agentId,
      rows.map((r) => r.model),
      rows.map((r) => r.inputTokens),
      rows.map((r) => r.outputTokens),
      rows.map((r) => r.calls),
      rows.map((r) => r.turns),
    ],
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
  model_calls: number | string;
  turns: number | string;
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
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, agent_id, sum(input_tokens) AS input_tokens,
              sum(output_tokens) AS output_tokens, sum(model_calls) AS model_calls, sum(turns) AS turns
       FROM runner.usage_daily WHERE ${c.where}
       GROUP BY day, agent_id ORDER BY day DESC, agent_id DESC LIMIT $${limit}`,
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

  /** The agent's tokens and model calls of the current UTC day, by model (what /usage shows). */
  async agentToday(tenantId: string, agentId: string): Promise<Record<string, ModelUsageDelta>> {
    const { rows } = await queryPrepared<{ model: string; i: string; o: string; c: number }>(
      this.dataSource,
      `SELECT model, input_tokens AS i, output_tokens AS o, model_calls AS c FROM runner.usage_daily
       WHERE tenant_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date AND agent_id = $2 AND model <> $3
       ORDER BY model`,
      [tenantId, agentId, NO_MODEL],
    );
    return Object.fromEntries(
      rows.map((r) => [r.model, { inputTokens: Number(r.i), outputTokens: Number(r.o), calls: Number(r.c) }]),
    );
  }
}
