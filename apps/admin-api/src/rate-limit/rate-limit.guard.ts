import { bearerKey, KeyVerifier } from '@clawfleet/auth';
import { PUBLIC_ROUTE, TooManyRequestsError } from '@clawfleet/platform';
import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';

/** The two limits: `key` for requests with a valid key (per key), `ip` for the others (per address). */
export const KEY_THROTTLER = 'key';
export const IP_THROTTLER = 'ip';

type Tracked = { kind: 'key'; keyId: string } | { kind: 'ip'; ip: string };
const TRACKED = Symbol('clawfleet:rate-limit-tracker');

/**
 * Rate limits before anything else (so a flood of bad keys is limited too): a request with a valid
 * key counts against that key, whichever replica it reaches; one without (none, malformed, revoked)
 * against its client address. Counters are shared (PgThrottlerStorage); over the limit the answer is
 * a 429 problem with `Retry-After`. Verifying here costs nothing more: the verifier caches keys, and
 * the auth guard that follows gets the same answer.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly verifier: KeyVerifier,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(ctx: ExecutionContext): Promise<boolean> {
    return this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [ctx.getHandler(), ctx.getClass()]) === true;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const who = await this.tracked(request.context.switchToHttp().getRequest<Request>());
    // Each request is counted by one of the two limits; 0 turns a limit off.
    if (request.throttler.name !== who.kind || request.limit <= 0) return true;
    return super.handleRequest(request);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const who = await this.tracked(req as unknown as Request);
    return who.kind === 'key' ? who.keyId : who.ip;
  }

  /** Per tracker across every route (the default counts per route). */
  protected override generateKey(_ctx: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _ctx: ExecutionContext,
    limit: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsError(
      `Too many requests: at most ${limit.limit} per ${Math.round(limit.ttl / 1_000)} s; try again in ${limit.timeToBlockExpire} s.`,
      limit.timeToBlockExpire,
    );
  }

  private async tracked(req: Request & { [TRACKED]?: Promise<Tracked> }): Promise<Tracked> {
    req[TRACKED] ??= this.verifier
      .verify(bearerKey(req.headers.authorization))
      .then((v) =>
        v.ok ? { kind: 'key', keyId: v.principal.keyId } : { kind: 'ip', ip: normalizeIp(req.ip ?? 'unknown', 64) },
      );
    return req[TRACKED];
  }
}
