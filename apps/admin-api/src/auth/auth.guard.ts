import { KeyVerifier, bearerKey, mayAccessTenant, mayPerform } from '@clawfleet/auth';
import { ForbiddenError, NotFoundError, PUBLIC_ROUTE, UnauthorizedError, ValidationError } from '@clawfleet/platform';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { TenantId } from '../http/ids';
import { REQUIREMENT, type AuthedRequest, type Requirement } from './principal';

/**
 * Every admin route is closed unless it says otherwise: the guard verifies the Bearer key, then
 * checks the route's requirement. Another tenant's data answers 404, exactly as if it did not exist,
 * so ids cannot be probed; a tenant's read-only key trying to change something answers 403.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: KeyVerifier,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const requirement = this.reflector.getAllAndOverride<Requirement>(REQUIREMENT, targets);
    // A route with no declared requirement is a programming error, and stays closed.
    if (!requirement) throw new ForbiddenError('This route declares no access rule.');

    const request = ctx.switchToHttp().getRequest<AuthedRequest>();
    const verified = await this.verifier.verify(bearerKey(request.headers.authorization));
    if (!verified.ok) {
      ctx.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="clawfleet"');
      throw new UnauthorizedError(
        verified.refusal === 'missing'
          ? 'An API key is required: Authorization: Bearer <key>.'
          : 'The API key is not valid (unknown, revoked or expired).',
      );
    }
    const { principal } = verified;
    request.principal = principal;
    switch (requirement.kind) {
      case 'any-key':
        return true;
      case 'platform':
        if (principal.scope !== 'platform:admin') throw new ForbiddenError('Only a platform admin key may do this.');
        return true;
      case 'tenant': {
        const tenantId = String(request.params['tenantId'] ?? '');
        if (!TenantId.safeParse(tenantId).success) throw new ValidationError('tenantId must be 1-64 of [A-Za-z0-9_-]');
        if (!mayAccessTenant(principal, tenantId)) throw new NotFoundError(`No tenant ${tenantId}.`);
        if (!mayPerform(principal, requirement.action, tenantId))
          throw new ForbiddenError('This key may read but not change this tenant.');
        return true;
      }
      default:
        return requirement satisfies never;
    }
  }
}
