import type { Principal } from '@clawfleet/auth';
import { ValidationError } from '@clawfleet/platform';
import { Body, Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller, TenantAccess } from '../auth/principal';
import { parseQuery } from '../http/keyset';
import { pageSchema } from '../http/pagination';
import { DocumentedQuery } from '../http/query-doc';
import { Documented, parseBody } from '../http/zod-schema';
import {
  AcceptedMessage,
  CancelAccepted,
  MessageIdParam,
  OutcomeQuery,
  OutcomeView,
  PageOnly,
  PostMessage,
  SessionDetailView,
  SessionIdParam,
  SessionListQuery,
  SessionView,
  TimelineEventView,
} from './sessions.dto';
import { SessionsService } from './sessions.service';

const sessionIdOf = (raw: string) => {
  const parsed = SessionIdParam.safeParse(raw);
  if (!parsed.success) throw new ValidationError('sessionId must be a UUID');
  return parsed.data;
};

/** A tenant's sessions: list, one, its timeline, and the operator's two interventions. */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @TenantAccess('read')
  @DocumentedQuery(SessionListQuery)
  @Documented({
    status: 200,
    response: pageSchema(SessionView),
    description: 'A page of the tenant’s sessions, most recently updated first',
  })
  list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    return this.sessions.list(tenantId, parseQuery(SessionListQuery, query));
  }

  @Get(':sessionId')
  @TenantAccess('read')
  @Documented({
    status: 200,
    response: SessionDetailView,
    description: 'The session’s state, and its circuit when parked',
  })
  show(@Param('tenantId') tenantId: string, @Param('sessionId') sessionId: string) {
    return this.sessions.show(tenantId, sessionIdOf(sessionId));
  }

  @Get(':sessionId/events')
  @TenantAccess('read')
  // What users, models and tools wrote is data: never sniffed or run as a page by a browser.
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Content-Security-Policy', "default-src 'none'")
  @DocumentedQuery(PageOnly)
  @Documented({
    status: 200,
    response: pageSchema(TimelineEventView),
    description: 'A page of the session’s recorded events, oldest first: facts as stored, their text as data',
  })
  timeline(@Param('tenantId') tenantId: string, @Param('sessionId') sessionId: string, @Query() query: unknown) {
    return this.sessions.timeline(tenantId, sessionIdOf(sessionId), parseQuery(PageOnly, query));
  }

  @Post(':sessionId/cancel')
  @HttpCode(202)
  @TenantAccess('write')
  @Documented({
    status: 202,
    response: CancelAccepted,
    description: '`/stop` for the running turn, sent through the router; 409 when no turn runs',
  })
  cancel(@Caller() caller: Principal, @Param('tenantId') tenantId: string, @Param('sessionId') sessionId: string) {
    return this.sessions.cancel(caller, tenantId, sessionIdOf(sessionId));
  }

  @Post(':sessionId/messages')
  @HttpCode(202)
  @TenantAccess('write')
  @Documented({
    body: PostMessage,
    status: 202,
    response: AcceptedMessage,
    description: 'An operator’s message into the session, routed and answered like a chat message',
  })
  post(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('sessionId') sessionId: string,
    @Body() body: unknown,
  ) {
    const id = sessionIdOf(sessionId);
    return this.sessions.post(caller, tenantId, id, parseBody(PostMessage, body));
  }
}

/** The terminal outcome of any inbound message of the tenant (engaged, ignored, refused, failed). */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/messages')
export class MessagesController {
  constructor(private readonly sessions: SessionsService) {}

  @Get(':messageId/outcome')
  @TenantAccess('read')
  @DocumentedQuery(OutcomeQuery)
  @Documented({ status: 200, response: OutcomeView, description: 'What the router decided for the message, and why' })
  outcome(@Param('tenantId') tenantId: string, @Param('messageId') messageId: string, @Query() query: unknown) {
    const id = MessageIdParam.safeParse(messageId);
    if (!id.success) throw new ValidationError('messageId must be 1-200 characters');
    return this.sessions.outcome(tenantId, id.data, parseQuery(OutcomeQuery, query));
  }
}
