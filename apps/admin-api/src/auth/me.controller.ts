import type { Principal } from '@clawfleet/auth';
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Documented } from '../http/zod-schema';
import { AnyKey, Caller } from './principal';

const MeView = z.object({
  keyId: z.string(),
  prefix: z.string(),
  tenantId: z.string().nullable(),
  scope: z.string(),
  userId: z.string().nullable(),
});

@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  @Get()
  @AnyKey()
  @Documented({ status: 200, response: MeView, description: 'Who the presented key is' })
  me(@Caller() caller: Principal) {
    return MeView.parse(caller);
  }
}
