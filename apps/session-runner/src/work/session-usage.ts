import type { SessionEvent } from '@clawfleet/contracts';
import type { AlongsideWrite } from '@clawfleet/event-store';
import { queryPrepared } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ModelUsage } from '../session/session.state';

const ADD_USAGE = `INSERT INTO runner.session_usage AS u
    (tenant_id, agent_id, day, session_id, model, input_tokens, output_tokens, model_calls)
  SELECT $1, $2, (now() AT TIME ZONE 'UTC')::date, $3::uuid, m.model, m.i, m.o, m.c
  FROM unnest($4::text[], $5::bigint[], $6::bigint[], $7::int[]) AS m(model, i, o, c)
  WHERE EXISTS (SELECT 1 FROM appended)
  ON CONFLICT (tenant_id, agent_id, day, session_id, model) DO UPDATE SET
    input_tokens = u.input_tokens + EXCLUDED.input_tokens,
    output_tokens = u.output_tokens + EXCLUDED.output_tokens,
    model_calls = u.model_calls + EXCLUDED.model_calls
  RETURNING 1`;

/**
 * The write that adds the tokens of the events being appended (model responses and summaries) to
 * the session's row of the day, in the append's own statement: counted exactly when they are
 * recorded, with no statement of its own. Undefined when the events used no model.
 */
export function usageWriteOf(
  session: { tenantId: string; agentId: string; sessionId: string },
  events: readonly SessionEvent[],
): AlongsideWrite | undefined {
  const byModel = new Map<string, ModelUsage>();
  for (const event of events) {
    if (event.type !== 'ModelResponded' && event.type !== 'ContextCompacted') continue;
    const { model, usage } = event.data;
    const before = byModel.get(model) ?? { inputTokens: 0, outputTokens: 0, calls: 0 };
    byModel.set(model, {
      inputTokens: before.inputTokens + usage.inputTokens,
      outputTokens: before.outputTokens + usage.outputTokens,
      calls: before.calls + 1,
    });
  }
  if (byModel.size === 0) return undefined;
  const models = [...byModel.keys()];
  return {
    sql: ADD_USAGE,
    params: [
      session.tenantId,
      session.agentId,
      session.sessionId,
      models,
      models.map((m) => byModel.get(m)!.inputTokens),
      models.map((m) => byModel.get(m)!.outputTokens),
      models.map((m) => byModel.get(m)!.calls),
    ],
  };
}

/** What session-runner recorded of an agent's usage, across its sessions and replicas. */
@Injectable()
export class SessionUsage {
  constructor(private readonly dataSource: DataSource) {}

  /** The agent's tokens and model calls of the current UTC day, by model. */
  async agentToday(tenantId: string, agentId: string): Promise<Record<string, ModelUsage>> {
    const { rows } = await queryPrepared<{ model: string; i: string; o: string; c: string }>(
      this.dataSource,
      `SELECT model, sum(input_tokens) AS i, sum(output_tokens) AS o, sum(model_calls) AS c FROM runner.session_usage
       WHERE tenant_id = $1 AND agent_id = $2 AND day = (now() AT TIME ZONE 'UTC')::date GROUP BY model ORDER BY model`,
      [tenantId, agentId],
    );
    return Object.fromEntries(
      rows.map((r) => [r.model, { inputTokens: Number(r.i), outputTokens: Number(r.o), calls: Number(r.c) }]),
    );
  }
}
