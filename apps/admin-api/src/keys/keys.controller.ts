import type { Principal } from '@clawfleet/auth';
import { ValidationError } from '@clawfleet/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Caller, PlatformOnly, TenantAccess } from '../auth/principal';
import { PageQuery, pageOf, pageSchema } from '../http/pagination';
import { Documented, parseBody } from '../http/zod-schema';
import { CreatedKey, CreatePlatformKey, CreateTenantKey, keyView, KeyView } from './keys.dto';
import { KeysService } from './keys.service';

const KeyId = z.uuid();
const id = (raw: string) => {
  const parsed = KeyId.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`keyId must be a UUID`);
  return parsed.data;
};

/** A tenant's API keys. The key itself is shown once, in the answer that creates it. */
@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/keys')
export class TenantKeysController {
  constructor(private readonly service: KeysService) {}

  @Post()
  @HttpCode(201)
  @TenantAccess('write')
  @Documented({ body: CreateTenantKey, status: 201, response: CreatedKey, description: 'The new key, shown once' })
  create(@Caller() caller: Principal, @Param('tenantId') tenantId: string, @Body() body: unknown) {
    return this.service.create(caller, { tenantId, ...parseBody(CreateTenantKey, body) });
  }

  @Get()
  @TenantAccess('read')
  @Documented({ status: 200, response: pageSchema(KeyView), description: "A page of the tenant's keys" })
  list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = PageQuery.parse(query);
    return pageOf(page, (p) => this.service.keys.list(tenantId, p), keyView);
  }

  @Get(':keyId')
  @TenantAccess('read')
  @Documented({ status: 200, response: KeyView, description: 'One key (never the key itself)' })
  get(@Param('tenantId') tenantId: string, @Param('keyId') keyId: string) {
    return this.service.get(tenantId, id(keyId));
  }

  @Delete(':keyId')
  @TenantAccess('write')
  @Documented({ status: 200, response: KeyView, description: 'The key, revoked (again: unchanged)' })
  revoke(@Caller() caller: Principal, @Param('tenantId') tenantId: string, @Param('keyId') keyId: string) {
    return this.service.revoke(caller, tenantId, id(keyId));
  }
}

/** The platform's own admin keys. */
@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/platform/keys')
export class PlatformKeysController {
  constructor(private readonly service: KeysService) {}

  @Post()
  @HttpCode(201)
  @PlatformOnly()
  @Documented({ body: CreatePlatformKey, status: 201, response: CreatedKey, description: 'The new key, shown once' })
  create(@Caller() caller: Principal, @Body() body: unknown) {
    return this.service.create(caller, {
      tenantId: null,
      scope: 'platform:admin',
      ...parseBody(CreatePlatformKey, body),
    });
  }

  @Get()
  @PlatformOnly()
  @Documented({ status: 200, response: pageSchema(KeyView), description: "A page of the platform's keys" })
  list(@Query() query: unknown) {
    return pageOf(PageQuery.parse(query), (p) => this.service.keys.list(null, p), keyView);
  }

  @Delete(':keyId')
  @PlatformOnly()
  @Documented({ status: 200, response: KeyView, description: 'The key, revoked' })
  revoke(@Caller() caller: Principal, @Param('keyId') keyId: string) {
    return this.service.revoke(caller, null, id(keyId));
  }
}
