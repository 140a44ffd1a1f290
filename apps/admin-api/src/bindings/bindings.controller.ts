import type { Principal } from '@clawfleet/auth';
import { NotFoundError } from '@clawfleet/platform';
import type { BindingRecord } from '@clawfleet/provisioning';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, TenantAccess } from '../auth/principal';
import { PageQuery, pageOf, pageSchema } from '../http/pagination';
import { Documented, parseBody } from '../http/zod-schema';
import { ProvisioningChanges, type ChangeOf } from '../provisioning/changes';
import { Conditional, ETAG_HEADER, expectedRevision, withEtag } from '../provisioning/etag';
import { Paged, param, Uuid } from '../provisioning/params';
import { bindingView, BindingView, CreateBinding, UpdateBinding } from './bindings.dto';

const change = (tenantId: string, action: ChangeOf<BindingRecord>['action']): ChangeOf<BindingRecord> => ({
  action,
  tenantId,
  kind: 'binding',
  resource: (b) => ({ type: 'binding', id: b.id }),
  details: (b) => ({ groupId: b.groupId, agentId: b.agentId, engageMode: b.engageMode, pattern: b.pattern }),
});

/** Bindings: which agents answer a messaging group, and when (engage mode, sender and session scope). */
@ApiTags('bindings')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/bindings')
export class BindingsController {
  constructor(private readonly changes: ProvisioningChanges) {}

  @Post()
  @HttpCode(201)
  @TenantAccess('write')
  @Documented({
    body: CreateBinding,
    status: 201,
    response: BindingView,
    description: 'The new binding',
    headers: ETAG_HEADER,
  })
  async create(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { groupId, ...input } = parseBody(CreateBinding, body);
    const binding = await this.changes.commit(
      caller,
      async ({ repo, resources }) => {
        const id = await repo.bind(tenantId, groupId, { ...input, pattern: input.pattern ?? null });
        return (await resources.binding(tenantId, id))!;
      },
      change(tenantId, 'binding.created'),
    );
    return withEtag(res, bindingView(binding));
  }

  @Get()
  @TenantAccess('read')
  @Paged()
  @ApiQuery({
    name: 'groupId',
    required: false,
    schema: { type: 'string', format: 'uuid' },
    description: "Only this group's",
  })
  @Documented({ status: 200, response: pageSchema(BindingView), description: "A page of the tenant's bindings" })
  async list(@Param('tenantId') tenantId: string, @Query() query: Record<string, unknown>) {
    const { groupId, ...rest } = query;
    const page = PageQuery.parse(rest);
    const filter = groupId === undefined ? {} : { groupId: param(Uuid, groupId, 'groupId') };
    await this.changes.requireTenant(tenantId);
    return pageOf(page, (p) => this.changes.resources.bindings(tenantId, p, filter), bindingView);
  }

  @Get(':bindingId')
  @TenantAccess('read')
  @Documented({ status: 200, response: BindingView, description: 'The binding', headers: ETAG_HEADER })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('bindingId') raw: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'bindingId');
    const binding = await this.changes.resources.binding(tenantId, id);
    if (!binding) throw new NotFoundError(`binding ${id} does not exist`);
    return withEtag(res, bindingView(binding));
  }

  @Patch(':bindingId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({
    body: UpdateBinding,
    status: 200,
    response: BindingView,
    description: 'The binding, changed',
    headers: ETAG_HEADER,
  })
  async update(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('bindingId') raw: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'bindingId');
    const input = parseBody(UpdateBinding, body);
    const expect = expectedRevision(ifMatch, { required: false, what: `binding ${id}` });
    const binding = await this.changes.commit(
      caller,
      ({ resources }) => resources.updateBinding(tenantId, id, input, expect),
      change(tenantId, 'binding.updated'),
    );
    return withEtag(res, bindingView(binding));
  }

  @Delete(':bindingId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({ status: 200, response: BindingView, description: 'The binding, removed' })
  async remove(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('bindingId') raw: string,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    const id = param(Uuid, raw, 'bindingId');
    const expect = expectedRevision(ifMatch, { required: false, what: `binding ${id}` });
    const binding = await this.changes.commit(
      caller,
      ({ resources }) => resources.deleteBinding(tenantId, id, expect),
      change(tenantId, 'binding.deleted'),
    );
    return bindingView(binding);
  }
}
