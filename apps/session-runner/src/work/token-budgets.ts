import { uuidV7Ids } from '@clawfleet/platform';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';

export interface BudgetScope {
  readonly tenantId: string;
  readonly agentId: string;
  /** The agent's own monthly limit (its configuration), in place of TOKEN_BUDGET_PER_AGENT. */
  readonly agentTokensPerMonth?: number;
}

export type Reservation = { readonly granted: true; readonly id: string | null } | { readonly granted: false; readonly reason: string };

const periodOf = (now: Date) => now.toISOString().slice(0, 7); // YYYY-MM, UTC

/**
 * Monthly token budgets per tenant and per agent, shared by every runner replica: tokens are reserved
 * before a model call (the estimate of the prompt plus the most the answer may use) and settled
 * with the real usage after it. A reservation left by a crashed runner expires.
 */
@Injectable()
export class TokenBudgets {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  private limits(scope: BudgetScope): Array<{ scope: 'tenant' | 'agent'; key: string; limit: number }> {
    const all = [
      { scope: 'tenant' as const, key: scope.tenantId, limit: this.config.TOKEN_BUDGET_PER_TENANT },
      { scope: 'agent' as const, key: `${scope.tenantId}/${scope.agentId}`, limit: scope.agentTokensPerMonth ?? this.config.TOKEN_BUDGET_PER_AGENT },
    ];
    return all.filter((b) => b.limit > 0);
  }

  async reserve(scope: BudgetScope, tokens: number, now = new Date()): Promise<Reservation> {
    const budgets = this.limits(scope);
    if (budgets.length === 0) return { granted: true, id: null };
    const period = periodOf(now);
    const id = uuidV7Ids.next();
    return this.dataSource.transaction(async (tx) => {
      for (const budget of budgets) {
        // The upsert locks the budget's row: replicas reserving at once take turns. The sum of the
        // reservations is read by the next statement, whose snapshot is taken after the lock is held
        // (a subquery of the upsert would still see the world from before it waited).
        const [budgetRow] = await tx.query(
          `INSERT INTO runner.token_budgets AS b (scope, key, period, limit_tokens) VALUES ($1, $2, $3, $4)
           ON CONFLICT (scope, key, period) DO UPDATE SET limit_tokens = EXCLUDED.limit_tokens
           RETURNING b.limit_tokens, b.used_tokens`,
          [budget.scope, budget.key, period, budget.limit],
        );
        const [held] = await tx.query(
          `SELECT COALESCE(sum(tokens), 0) AS reserved FROM runner.token_reservations
           WHERE scope = $1 AND key = $2 AND period = $3 AND expires_at > now()`,
          [budget.scope, budget.key, period],
        );
        const row = { ...budgetRow, reserved: held.reserved };
        const left = Number(row.limit_tokens) - Number(row.used_tokens) - Number(row.reserved);
        if (left < tokens) {
          return {
            granted: false as const,
            reason: `The monthly token budget of this ${budget.scope} (${budget.limit.toLocaleString('en')} tokens) is used up${
              left > 0 ? ` (${left.toLocaleString('en')} left, this call may need ${tokens.toLocaleString('en')})` : ''
            }.`,
          };
        }
        await tx.query(
          `INSERT INTO runner.token_reservations (id, scope, key, period, tokens, expires_at)
           VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')`,
          [id, budget.scope, budget.key, period, tokens, this.config.MODEL_TIMEOUT_MS * 2],
        );
      }
      return { granted: true as const, id };
    });
  }

  /** Replaces the reservation with what the call really used (also when it failed: nothing). */
  async settle(reservationId: string | null, usedTokens: number): Promise<void> {
    if (!reservationId) return;
    await this.dataSource.query(
      `WITH released AS (DELETE FROM runner.token_reservations WHERE id = $1 RETURNING scope, key, period)
       UPDATE runner.token_budgets b SET used_tokens = used_tokens + $2
       FROM released r WHERE b.scope = r.scope AND b.key = r.key AND b.period = r.period`,
      [reservationId, usedTokens],
    );
  }
}
