import type { Principal } from '@clawfleet/auth';
import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** What a route needs: `read` or `write` on the tenant in its `:tenantId`, or the platform itself. */
export type Requirement = { kind: 'tenant'; action: 'read' | 'write' } | { kind: 'platform' } | { kind: 'any-key' };

export const REQUIREMENT = Symbol('clawfleet:requirement');

/** The route reads (`read`) or changes (`write`) the data of the tenant named by `:tenantId`. */
export const TenantAccess = (action: 'read' | 'write') => SetMetadata(REQUIREMENT, { kind: 'tenant', action });
/** Only platform admin keys. */
export const PlatformOnly = () => SetMetadata(REQUIREMENT, { kind: 'platform' });
/** Any valid key. */
export const AnyKey = () => SetMetadata(REQUIREMENT, { kind: 'any-key' });

export type AuthedRequest = Request & { principal?: Principal };

/** The verified principal of the request; the guard has run. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!principal) throw new Error('no principal: the route is missing its access decorator');
  return principal;
});
