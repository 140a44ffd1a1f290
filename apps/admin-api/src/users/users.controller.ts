import type { Principal } from '@clawfleet/auth';
import { Channel } from '@clawfleet/contracts';
import { NotFoundError } from '@clawfleet/platform';
import { AgentId, type UserRecord } from '@clawfleet/provisioning';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, TenantAccess } from '../auth/principal';
import { PageQuery, pageOf, pageSchema } from '../http/pagination';
import { Documented, parseBody } from '../http/zod-schema';
import { ProvisioningChanges, type ChangeOf } from '../provisioning/changes';
import { Conditional, ETAG_HEADER, expectedRevision, withEtag } from '../provisioning/etag';
import { Paged, param, Uuid } from '../provisioning/params';
import {
  CreateIdentity,
  CreateUser,
  ExternalId,
  GrantRole,
  identityView,
  IdentityView,
  roleView,
  RoleView,
  UpdateUser,
  UserDetailView,
  userView,
  UserView,
} from './users.dto';

const change = (tenantId: string, action: ChangeOf<UserRecord>['action']): ChangeOf<UserRecord> => ({
  action,
  tenantId,
  kind: 'user',
  resource: (u) => ({ type: 'user', id: u.id }),
  details: (u) => ({ displayName: u.displayName }),
});
/** Identities and roles are audited in their user's stream. */
const ofUser = <T>(
  tenantId: string,
  userId: string,
  action: ChangeOf<T>['action'],
  kind: 'user' | 'role',
  details: (r: T) => Record<string, string | null>,
): ChangeOf<T> => ({ action, tenantId, kind, resource: () => ({ type: 'user', id: userId }), details });

/** A tenant's users, the channel identities they are known by, and their roles. */
@ApiTags('users')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/users')
export class UsersController {
  constructor(private readonly changes: ProvisioningChanges) {}

  @Post()
  @HttpCode(201)
  @TenantAccess('write')
  @Documented({ body: CreateUser, status: 201, response: UserView, description: 'The new user', headers: ETAG_HEADER })
  async create(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseBody(CreateUser, body);
    const user = await this.changes.commit(
      caller,
      async ({ repo, resources }) => {
        const id = await repo.createUser(tenantId, input.displayName ?? '');
        return (await resources.user(tenantId, id))!;
      },
      change(tenantId, 'user.created'),
    );
    return withEtag(res, userView(user));
  }

  @Get()
  @TenantAccess('read')
  @Paged()
  @Documented({ status: 200, response: pageSchema(UserView), description: "A page of the tenant's users" })
  async list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = PageQuery.parse(query);
    await this.changes.requireTenant(tenantId);
    return pageOf(page, (p) => this.changes.resources.users(tenantId, p), userView);
  }

  @Get(':userId')
  @TenantAccess('read')
  @Documented({
    status: 200,
    response: UserDetailView,
    description: 'The user with their identities and roles',
    headers: ETAG_HEADER,
  })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('userId') raw: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'userId');
    const user = await this.changes.resources.user(tenantId, id);
    if (!user) throw new NotFoundError(`user ${id} does not exist`);
    const [identities, roles] = await Promise.all([
      this.changes.resources.identities(tenantId, id),
      this.changes.resources.roles(tenantId, id),
    ]);
    return withEtag(res, { ...userView(user), identities: identities.map(identityView), roles: roles.map(roleView) });
  }

  @Patch(':userId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({
    body: UpdateUser,
    status: 200,
    response: UserView,
    description: 'The user, changed',
    headers: ETAG_HEADER,
  })
  async update(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('userId') raw: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'userId');
    const input = parseBody(UpdateUser, body);
    const expect = expectedRevision(ifMatch, { required: false, what: `user ${id}` });
    const user = await this.changes.commit(
      caller,
      ({ resources }) => resources.updateUser(tenantId, id, input, expect),
      change(tenantId, 'user.updated'),
    );
    return withEtag(res, userView(user));
  }

  @Delete(':userId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({ status: 200, response: UserView, description: 'The user, deleted with their identities and roles' })
  async remove(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('userId') raw: string,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    const id = param(Uuid, raw, 'userId');
    const expect = expectedRevision(ifMatch, { required: false, what: `user ${id}` });
    const user = await this.changes.commit(
      caller,
      ({ resources }) => resources.deleteUser(tenantId, id, expect),
      change(tenantId, 'user.deleted'),
    );
    return userView(user);
  }

  @Post(':userId/identities')
  @HttpCode(201)
  @TenantAccess('write')
  @Documented({
    body: CreateIdentity,
    status: 201,
    response: IdentityView,
    description: 'The sender id on a channel is now this user',
  })
  async addIdentity(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('userId') raw: string,
    @Body() body: unknown,
  ) {
    const id = param(Uuid, raw, 'userId');
    const input = parseBody(CreateIdentity, body);
    const identity = await this.changes.commit(
      caller,
      async ({ repo, resources }) => {
        await repo.addIdentity(tenantId, id, input.channel, input.externalId);
        return (await resources.identity(tenantId, input.channel, input.externalId))!;
      },
      ofUser(tenantId, id, 'identity.added', 'user', (i: { channel: string; externalId: string }) => ({
        channel: i.channel,
        externalId: i.externalId,
      })),
    );
    return identityView(identity);
  }

  @Delete(':userId/identities/:channel/:externalId')
  @TenantAccess('write')
  @Documented({ status: 200, response: IdentityView, description: 'The identity, removed' })
  async removeIdentity(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('userId') raw: string,
    @Param('channel') rawChannel: string,
    @Param('externalId') rawExternal: string,
  ) {
    const id = param(Uuid, raw, 'userId');
    const channel = param(Channel, rawChannel, 'channel');
    const externalId = param(ExternalId, rawExternal, 'externalId');
    const identity = await this.changes.commit(
      caller,
      ({ resources }) => resources.removeIdentity(tenantId, id, channel, externalId),
      ofUser(tenantId, id, 'identity.removed', 'user', (i: { channel: string; externalId: string }) => ({
        channel: i.channel,
        externalId: i.externalId,
      })),
    );
    return identityView(identity);
  }

  @Put(':userId/roles')
  @TenantAccess('write')
  @Documented({
    body: GrantRole,
    status: 200,
    response: RoleView,
    description: 'The role, granted (replacing the one held there)',
  })
  async grant(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('userId') raw: string,
    @Body() body: unknown,
  ) {
    const id = param(Uuid, raw, 'userId');
    const input = parseBody(GrantRole, body);
    const role = await this.changes.commit(
      caller,
      ({ resources }) => resources.grantRole(tenantId, id, input.role, input.agentId ?? null),
      ofUser(tenantId, id, 'role.granted', 'role', (r: { role: string; agentId: string | null }) => ({
        role: r.role,
        agentId: r.agentId,
      })),
    );
    return roleView(role);
  }

  @Delete(':userId/roles')
  @TenantAccess('write')
  @ApiQuery({
    name: 'agentId',
    required: false,
    schema: { type: 'string' },
    description: "The agent's role; absent: the tenant-wide one",
  })
  @Documented({ status: 200, response: RoleView, description: 'The role, revoked' })
  async revoke(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('userId') raw: string,
    @Query('agentId') rawAgent: string | undefined,
  ) {
    const id = param(Uuid, raw, 'userId');
    const agentId = rawAgent === undefined ? null : param(AgentId, rawAgent, 'agentId');
    const role = await this.changes.commit(
      caller,
      ({ resources }) => resources.revokeRole(tenantId, id, agentId),
      ofUser(tenantId, id, 'role.revoked', 'role', (r: { role: string; agentId: string | null }) => ({
        role: r.role,
        agentId: r.agentId,
      })),
    );
    return roleView(role);
  }
}
