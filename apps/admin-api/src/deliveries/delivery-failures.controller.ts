import { Channel } from '@clawfleet/contracts';
import { DeliveryLog, type DeliveryFailure } from '@clawfleet/records';
import { Controller, Get, Module, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { TenantAccess } from '../auth/principal';
import { keysetCursor, keysetPage, MicrosTime, parseQuery } from '../http/keyset';
import { PageQuery, pageSchema } from '../http/pagination';
import { DocumentedQuery } from '../http/query-doc';
import { Documented } from '../http/zod-schema';
import { RecordsModule } from '../records/records.module';

const FailuresQuery = PageQuery.extend({
  sessionId: z.uuid({ error: 'sessionId must be a UUID' }).optional(),
}).strict();
const cursor = keysetCursor(z.strictObject({ at: MicrosTime, id: z.uuid() }));

const FailureView = z.object({
  outboundId: z.uuid(),
  sessionId: z.uuid(),
  /** The reply's place in its session's order. */
  seq: z.number().int(),
  channel: Channel,
  chatId: z.string(),
  /** The channel's own words (it refused for good: the chat is gone, the bot blocked, no sender). */
  error: z.string(),
  failedAt: z.iso.datetime(),
});

const view = (f: DeliveryFailure) => ({
  outboundId: f.outboundId,
  sessionId: f.sessionId,
  seq: f.seq,
  channel: f.channel,
  chatId: f.chatId,
  error: f.error,
  failedAt: f.failedAt.toISOString(),
});

/** Replies the channel refused for good, as delivery recorded them (libs/records `delivery.deliveries`). */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/delivery-failures')
export class DeliveryFailuresController {
  constructor(private readonly log: DeliveryLog) {}

  @Get()
  @TenantAccess('read')
  @DocumentedQuery(FailuresQuery)
  @Documented({ status: 200, response: pageSchema(FailureView), description: 'Failed deliveries, newest first' })
  list(@Param('tenantId') tenantId: string, @Query() raw: unknown) {
    const { sessionId, ...page } = parseQuery(FailuresQuery, raw);
    return keysetPage(
      page,
      cursor,
      (p) => this.log.listFailures(tenantId, { ...(sessionId && { sessionId }) }, p),
      (f) => f.key,
      view,
    );
  }
}

@Module({ imports: [RecordsModule], controllers: [DeliveryFailuresController] })
export class DeliveriesModule {}
