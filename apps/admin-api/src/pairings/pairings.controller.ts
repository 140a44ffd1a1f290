import type { Principal } from '@clawfleet/auth';
import { ValidationError } from '@clawfleet/platform';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Caller, TenantAccess } from '../auth/principal';
import { pageOf, pageSchema } from '../http/pagination';
import { Documented } from '../http/zod-schema';
import { PairingsQuery, pairingView, PairingView } from './pairings.dto';
import { PairingsService } from './pairings.service';

const PairingId = z.uuid();
const id = (raw: string) => {
  const parsed = PairingId.safeParse(raw);
  if (!parsed.success) throw new ValidationError('pairingId must be a UUID');
  return parsed.data;
};

/**
 * Senders without an identity who asked to pair (a binding with `unknownSenders: pair` answered them
 * with a one-time code). An admin approves one here by id, as an owner does in a chat with `/pair <code>`.
 */
@ApiTags('pairings')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/pairings')
export class PairingsController {
  constructor(private readonly service: PairingsService) {}

  @Get()
  @TenantAccess('read')
  @Documented({
    status: 200,
    response: pageSchema(PairingView),
    description: "A page of the tenant's pairings, oldest first",
  })
  list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const { status, ...page } = PairingsQuery.parse(query);
    return pageOf(
      page,
      (p) => this.service.pairings.list(tenantId, { ...p, ...(status && { status }) }),
      (row) => pairingView(row),
    );
  }

  @Post(':pairingId/approve')
  @HttpCode(200)
  @TenantAccess('write')
  @Documented({
    status: 200,
    response: PairingView,
    description: 'The pairing, approved (again: unchanged): the sender is a member now',
  })
  approve(@Caller() caller: Principal, @Param('tenantId') tenantId: string, @Param('pairingId') pairingId: string) {
    return this.service.approve(caller, tenantId, id(pairingId));
  }

  @Post(':pairingId/reject')
  @HttpCode(200)
  @TenantAccess('write')
  @Documented({ status: 200, response: PairingView, description: 'The pairing, rejected (again: unchanged)' })
  reject(@Caller() caller: Principal, @Param('tenantId') tenantId: string, @Param('pairingId') pairingId: string) {
    return this.service.reject(caller, tenantId, id(pairingId));
  }
}
