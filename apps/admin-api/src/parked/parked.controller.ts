import type { Principal } from '@clawfleet/auth';
import { EventStore } from '@clawfleet/event-store';
import { deriveId, NotFoundError, systemClock, ValidationError } from '@clawfleet/platform';
import { ParkedSessions, SessionIndex } from '@clawfleet/records';
import { Controller, Get, HttpCode, Injectable, Module, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit-log';
import { Caller, TenantAccess } from '../auth/principal';
import { keysetCursor, keysetPage, MicrosTime, parseQuery } from '../http/keyset';
import { pageSchema } from '../http/pagination';
import { DocumentedQuery } from '../http/query-doc';
import { Documented } from '../http/zod-schema';
import { RecordsModule } from '../records/records.module';
import { PageOnly, ParkedView, parkedView, SessionIdParam } from '../sessions/sessions.dto';

const cursor = keysetCursor(z.strictObject({ at: MicrosTime, id: z.string().regex(/^session-[0-9a-f-]{36}$/) }));

const Released = z.object({
  sessionId: z.uuid(),
  /** Always false after this call: the session is not parked (any more). */
  parked: z.boolean(),
  /** Whether this call released it (false: it was not parked, e.g. released before). */
  released: z.boolean(),
});

/**
 * Releasing a parked session: its failures are forgotten and the next sweep of any runner resumes
 * it (session-runner's `runner.session_work`, through libs/records). Audited when it releases.
 */
@Injectable()
export class ParkedService {
  constructor(
    private readonly dataSource: DataSource,
    readonly parked: ParkedSessions,
    private readonly index: SessionIndex,
    private readonly store: EventStore,
  ) {}

  async release(caller: Principal, tenantId: string, sessionId: string) {
    const parked = await this.parked.parkedOf(tenantId, sessionId);
    if (!parked) {
      if (!(await this.index.get(tenantId, sessionId))) throw new NotFoundError(`No session ${sessionId}.`);
      return { sessionId, parked: false, released: false };
    }
    const released = await this.dataSource.transaction(async (manager) => {
      // Released by someone else meanwhile: nothing to record.
      if (!(await this.parked.release(tenantId, sessionId, manager))) return false;
      await recordAudit(
        this.store,
        manager,
        {
          action: 'session.released',
          actor: caller,
          at: systemClock.now(),
          tenantId,
          resource: { type: 'session', id: sessionId },
          details: { failures: parked.failures, parkedAt: parked.parkedAt.toISOString() },
        },
        { id: deriveId('audit', 'session.released', tenantId, sessionId, parked.key.at) },
      );
      return true;
    });
    return { sessionId, parked: false, released };
  }
}

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/parked-sessions')
export class ParkedController {
  constructor(private readonly service: ParkedService) {}

  @Get()
  @TenantAccess('read')
  @DocumentedQuery(PageOnly)
  @Documented({
    status: 200,
    response: pageSchema(ParkedView),
    description: 'Sessions no runner takes after too many failed runs in a row, longest parked first',
  })
  list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    return keysetPage(
      parseQuery(PageOnly, query),
      cursor,
      (page) => this.service.parked.listParked(tenantId, page),
      (p) => p.key,
      parkedView,
    );
  }

  @Post(':sessionId/release')
  @HttpCode(200)
  @TenantAccess('write')
  @Documented({ status: 200, response: Released, description: 'The session, released: the next sweep resumes it' })
  release(@Caller() caller: Principal, @Param('tenantId') tenantId: string, @Param('sessionId') sessionId: string) {
    const id = SessionIdParam.safeParse(sessionId);
    if (!id.success) throw new ValidationError('sessionId must be a UUID');
    return this.service.release(caller, tenantId, id.data);
  }
}

@Module({ imports: [RecordsModule], controllers: [ParkedController], providers: [ParkedService] })
export class ParkedModule {}
