import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ChannelAuth, type ChannelCaller } from './channel-auth';

export type ChannelRequest = Request & { caller?: ChannelCaller };

/** Every route of the HTTP channel: the Bearer key is checked before anything else is read. */
@Injectable()
export class ChannelKeyGuard implements CanActivate {
  constructor(private readonly auth: ChannelAuth) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const http = ctx.switchToHttp();
    const request = http.getRequest<ChannelRequest>();
    const checked = await this.auth.check(request.headers.authorization);
    if (!checked.ok) {
      if (checked.challenge) http.getResponse<Response>().setHeader('WWW-Authenticate', checked.challenge);
      throw checked.error;
    }
    request.caller = checked.caller;
    return true;
  }
}

/** The verified caller of a channel route (the guard has run). */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): ChannelCaller => {
  const caller = ctx.switchToHttp().getRequest<ChannelRequest>().caller;
  if (!caller) throw new Error('no caller: the route is missing ChannelKeyGuard');
  return caller;
});
