import type { Principal } from '@clawfleet/auth';
import { NotFoundError } from '@clawfleet/platform';
import type { GroupRecord } from '@clawfleet/provisioning';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, TenantAccess } from '../auth/principal';
import { PageQuery, pageOf, pageSchema } from '../http/pagination';
import { Documented, parseBody } from '../http/zod-schema';
import { ProvisioningChanges, type ChangeOf } from '../provisioning/changes';
import { Conditional, ETAG_HEADER, expectedRevision, withEtag } from '../provisioning/etag';
import { Paged, param, Uuid } from '../provisioning/params';
import { CreateGroup, groupView, GroupView, UpdateGroup } from './groups.dto';

const change = (tenantId: string, action: ChangeOf<GroupRecord>['action']): ChangeOf<GroupRecord> => ({
  action,
  tenantId,
  kind: 'group',
  resource: (g) => ({ type: 'group', id: g.id }),
  details: (g) => ({ channel: g.channel, chatId: g.chatId, threadId: g.threadId, name: g.name }),
});

/** Messaging groups: the chats (or threads) of a channel that agents are bound to. */
@ApiTags('groups')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/groups')
export class GroupsController {
  constructor(private readonly changes: ProvisioningChanges) {}

  @Post()
  @HttpCode(201)
  @TenantAccess('write')
  @Documented({
    body: CreateGroup,
    status: 201,
    response: GroupView,
    description: 'The new messaging group',
    headers: ETAG_HEADER,
  })
  async create(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseBody(CreateGroup, body);
    const group = await this.changes.commit(
      caller,
      async ({ repo, resources }) => {
        const id = await repo.createGroup(tenantId, input);
        return (await resources.group(tenantId, id))!;
      },
      change(tenantId, 'group.created'),
    );
    return withEtag(res, groupView(group));
  }

  @Get()
  @TenantAccess('read')
  @Paged()
  @Documented({ status: 200, response: pageSchema(GroupView), description: "A page of the tenant's messaging groups" })
  async list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = PageQuery.parse(query);
    await this.changes.requireTenant(tenantId);
    return pageOf(page, (p) => this.changes.resources.groups(tenantId, p), groupView);
  }

  @Get(':groupId')
  @TenantAccess('read')
  @Documented({ status: 200, response: GroupView, description: 'The messaging group', headers: ETAG_HEADER })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('groupId') raw: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'groupId');
    const group = await this.changes.resources.group(tenantId, id);
    if (!group) throw new NotFoundError(`group ${id} does not exist`);
    return withEtag(res, groupView(group));
  }

  @Patch(':groupId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({
    body: UpdateGroup,
    status: 200,
    response: GroupView,
    description: 'The group, renamed',
    headers: ETAG_HEADER,
  })
  async update(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('groupId') raw: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'groupId');
    const input = parseBody(UpdateGroup, body);
    const expect = expectedRevision(ifMatch, { required: false, what: `group ${id}` });
    const group = await this.changes.commit(
      caller,
      ({ resources }) => resources.updateGroup(tenantId, id, input, expect),
      change(tenantId, 'group.updated'),
    );
    return withEtag(res, groupView(group));
  }

  @Delete(':groupId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({ status: 200, response: GroupView, description: 'The group, deleted with its bindings' })
  async remove(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('groupId') raw: string,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    const id = param(Uuid, raw, 'groupId');
    const expect = expectedRevision(ifMatch, { required: false, what: `group ${id}` });
    const group = await this.changes.commit(
      caller,
      ({ resources }) => resources.deleteGroup(tenantId, id, expect),
      change(tenantId, 'group.deleted'),
    );
    return groupView(group);
  }
}
