import { DailyUsage, type DayUsage } from '@clawfleet/records';
import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { TenantAccess } from '../auth/principal';
import { keysetCursor, keysetPage, parseQuery } from '../http/keyset';
import { PageQuery } from '../http/pagination';
import { DocumentedQuery } from '../http/query-doc';
import { Documented } from '../http/zod-schema';
import { RecordsModule } from '../records/records.module';

const DAY_MS = 86_400_000;
const Day = z.iso.date();
const MAX_DAYS = 366;

export const UsageQuery = PageQuery.extend({
  /** First day (UTC), inclusive; default 30 days before `to`. */
  from: Day.optional(),
  /** Last day (UTC), inclusive; default today. */
  to: Day.optional(),
  agentId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'agentId must be 1-100 of [A-Za-z0-9_-]')
    .optional(),
}).strict();

/** The range asked, its defaults filled in: at most a year of days, in order. */
const Range = z
  .object({ from: Day, to: Day })
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['from'] })
  .refine((r) => (Date.parse(r.to) - Date.parse(r.from)) / DAY_MS < MAX_DAYS, {
    message: `at most ${MAX_DAYS} days at once`,
    path: ['from'],
  });

const Counts = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  modelCalls: z.number().int(),
  turns: z.number().int(),
});
const DayView = Counts.extend({ day: z.iso.date(), agentId: z.string() });
const UsagePage = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  /** Sums over the whole range (every page). */
  totals: Counts,
  items: z.array(DayView),
  nextCursor: z.string().optional(),
});

const cursor = keysetCursor(z.strictObject({ day: z.iso.date(), agentId: z.string().max(100) }));
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Model usage per agent and UTC day, as session-runner adds it with each turn's events. */
@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/usage')
export class UsageController {
  constructor(private readonly usage: DailyUsage) {}

  @Get()
  @TenantAccess('read')
  @DocumentedQuery(UsageQuery)
  @Documented({
    status: 200,
    response: UsagePage,
    description: 'Tokens, model calls and turns per agent and day, newest first',
  })
  async list(@Param('tenantId') tenantId: string, @Query() raw: unknown) {
    const { limit, cursor: after, agentId, ...range } = parseQuery(UsageQuery, raw);
    const to = range.to ?? dayOf(Date.now());
    const { from } = Range.parse({ from: range.from ?? dayOf(Date.parse(to) - 30 * DAY_MS), to });
    const filter = { from, to, ...(agentId && { agentId }) };
    const page = await keysetPage(
      { limit, cursor: after },
      cursor,
      (p) => this.usage.list(tenantId, filter, p),
      (d: DayUsage) => ({ day: d.day, agentId: d.agentId }),
      (d) => d,
    );
    return { from, to, totals: await this.usage.total(tenantId, filter), ...page };
  }
}

@Module({ imports: [RecordsModule], controllers: [UsageController] })
export class UsageModule {}
