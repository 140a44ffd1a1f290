import type { Principal } from '@clawfleet/auth';
import { NotFoundError } from '@clawfleet/platform';
import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Caller, PlatformOnly, TenantAccess } from '../auth/principal';
import { PageQuery, pageOf, pageSchema } from '../http/pagination';
import { Documented, parseBody } from '../http/zod-schema';
import { ProvisioningChanges } from '../provisioning/changes';
import { Conditional, ETAG_HEADER, expectedRevision, withEtag } from '../provisioning/etag';
import { fieldError, Paged } from '../provisioning/params';
import { CreateTenant, tenantView, TenantView, UpdateTenant, UpdateTenantAsPlatform } from './tenants.dto';

/** Tenants: platform admins create, list and disable them; a tenant's admins may rename theirs. */
@ApiTags('tenants')
@ApiBearerAuth()
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly changes: ProvisioningChanges) {}

  @Post()
  @HttpCode(201)
  @PlatformOnly()
  @Documented({
    body: CreateTenant,
    status: 201,
    response: TenantView,
    description: 'The new tenant',
    headers: ETAG_HEADER,
  })
  async create(@Caller() caller: Principal, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const input = parseBody(CreateTenant, body);
    const tenant = await this.changes.commit(caller, ({ resources }) => resources.createTenant(input), {
      action: 'tenant.created',
      tenantId: input.id,
      kind: 'tenant',
      tenantMustExist: false,
      resource: (t) => ({ type: 'tenant', id: t.id }),
      details: (t) => ({ name: t.name }),
    });
    return withEtag(res, tenantView(tenant));
  }

  @Get()
  @PlatformOnly()
  @Paged()
  @Documented({ status: 200, response: pageSchema(TenantView), description: 'A page of tenants, by id' })
  list(@Query() query: unknown) {
    return pageOf(PageQuery.parse(query), (p) => this.changes.resources.tenants(p), tenantView, { key: z.string() });
  }

  @Get(':tenantId')
  @TenantAccess('read')
  @Documented({ status: 200, response: TenantView, description: 'The tenant', headers: ETAG_HEADER })
  async get(@Param('tenantId') tenantId: string, @Res({ passthrough: true }) res: Response) {
    const tenant = await this.changes.resources.tenant(tenantId);
    if (!tenant) throw new NotFoundError(`No tenant ${tenantId}.`);
    return withEtag(res, tenantView(tenant));
  }

  @Patch(':tenantId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({
    body: UpdateTenantAsPlatform,
    status: 200,
    response: TenantView,
    description: 'The tenant, changed. `enabled` is for platform admins only.',
    headers: ETAG_HEADER,
  })
  async update(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const platform = caller.scope === 'platform:admin';
    if (!platform && body && typeof body === 'object' && 'enabled' in body)
      throw fieldError('enabled', 'only a platform admin key may enable or disable a tenant');
    const change = parseBody(platform ? UpdateTenantAsPlatform : UpdateTenant, body);
    const expect = expectedRevision(ifMatch, { required: false, what: `tenant ${tenantId}` });
    const tenant = await this.changes.commit(
      caller,
      ({ resources }) => resources.updateTenant(tenantId, change, expect),
      {
        action: 'tenant.updated',
        tenantId,
        kind: 'tenant',
        resource: (t) => ({ type: 'tenant', id: t.id }),
        details: (t) => ({ name: t.name, defaultAgentId: t.defaultAgentId, enabled: t.enabled }),
      },
    );
    return withEtag(res, tenantView(tenant));
  }
}
