import type { Principal } from '@clawfleet/auth';
import { NotFoundError } from '@clawfleet/platform';
import type { ChannelRecord } from '@clawfleet/provisioning';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, TenantAccess } from '../auth/principal';
import { PageQuery, pageOf, pageSchema } from '../http/pagination';
import { Documented, parseBody } from '../http/zod-schema';
import { ProvisioningChanges, type ChangeOf } from '../provisioning/changes';
import { Conditional, ETAG_HEADER, expectedRevision, withEtag } from '../provisioning/etag';
import { Paged, param, Uuid } from '../provisioning/params';
import { channelView, ChannelView, CreateChannel, SetCredentials, UpdateChannel } from './channels.dto';

const change = (tenantId: string, action: ChangeOf<ChannelRecord>['action']): ChangeOf<ChannelRecord> => ({
  action,
  tenantId,
  kind: 'channel',
  resource: (c) => ({ type: 'channel', id: c.id }),
  // Never the credentials: only that they are set, and under which key.
  details: (c) => ({ kind: c.kind, name: c.name, credentialsKeyId: c.credentialsKeyId }),
});

/** A tenant's channel accounts (a Telegram bot, a Slack workspace) and their write-only credentials. */
@ApiTags('channels')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/channels')
export class ChannelsController {
  constructor(private readonly changes: ProvisioningChanges) {}

  @Post()
  @HttpCode(201)
  @TenantAccess('write')
  @Documented({
    body: CreateChannel,
    status: 201,
    response: ChannelView,
    description: 'The new channel; its credentials are stored sealed and never shown',
    headers: ETAG_HEADER,
  })
  async create(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseBody(CreateChannel, body);
    const channel = await this.changes.commit(
      caller,
      async ({ repo, resources }) => {
        const id = await repo.createChannel(tenantId, input);
        return (await resources.channel(tenantId, id))!;
      },
      change(tenantId, 'channel.created'),
    );
    return withEtag(res, channelView(channel));
  }

  @Get()
  @TenantAccess('read')
  @Paged()
  @Documented({ status: 200, response: pageSchema(ChannelView), description: "A page of the tenant's channels" })
  async list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = PageQuery.parse(query);
    await this.changes.requireTenant(tenantId);
    return pageOf(page, (p) => this.changes.resources.channels(tenantId, p), channelView);
  }

  @Get(':channelId')
  @TenantAccess('read')
  @Documented({
    status: 200,
    response: ChannelView,
    description: 'The channel (never its credentials)',
    headers: ETAG_HEADER,
  })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('channelId') raw: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'channelId');
    const channel = await this.changes.resources.channel(tenantId, id);
    if (!channel) throw new NotFoundError(`channel ${id} does not exist`);
    return withEtag(res, channelView(channel));
  }

  @Patch(':channelId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({
    body: UpdateChannel,
    status: 200,
    response: ChannelView,
    description: 'The channel, renamed',
    headers: ETAG_HEADER,
  })
  async update(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('channelId') raw: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'channelId');
    const input = parseBody(UpdateChannel, body);
    const expect = expectedRevision(ifMatch, { required: false, what: `channel ${id}` });
    const channel = await this.changes.commit(
      caller,
      ({ resources }) => resources.updateChannel(tenantId, id, input, expect),
      change(tenantId, 'channel.updated'),
    );
    return withEtag(res, channelView(channel));
  }

  @Put(':channelId/credentials')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({
    body: SetCredentials,
    status: 200,
    response: ChannelView,
    description: 'The channel with new credentials (a rotated token), sealed under the current key',
    headers: ETAG_HEADER,
  })
  async setCredentials(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('channelId') raw: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(Uuid, raw, 'channelId');
    const input = parseBody(SetCredentials, body);
    const expect = expectedRevision(ifMatch, { required: false, what: `channel ${id}` });
    const channel = await this.changes.commit(
      caller,
      ({ resources }) => resources.setChannelCredentials(tenantId, id, input.credentials, expect),
      change(tenantId, 'channel.credentials-set'),
    );
    return withEtag(res, channelView(channel));
  }

  @Delete(':channelId')
  @TenantAccess('write')
  @Conditional(false)
  @Documented({
    status: 200,
    response: ChannelView,
    description: 'The channel, deleted with its credentials and groups',
  })
  async remove(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('channelId') raw: string,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    const id = param(Uuid, raw, 'channelId');
    const expect = expectedRevision(ifMatch, { required: false, what: `channel ${id}` });
    const channel = await this.changes.commit(
      caller,
      ({ resources }) => resources.deleteChannel(tenantId, id, expect),
      change(tenantId, 'channel.deleted'),
    );
    return channelView(channel);
  }
}
