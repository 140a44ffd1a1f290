import type { Principal } from '@clawfleet/auth';
import { NotFoundError } from '@clawfleet/platform';
import { AgentId } from '@clawfleet/provisioning';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Caller, TenantAccess } from '../auth/principal';
import { PageQuery, pageOf, pageSchema } from '../http/pagination';
import { Documented, parseBody } from '../http/zod-schema';
import { ProvisioningChanges } from '../provisioning/changes';
import { Conditional, ETAG_HEADER, expectedRevision, withEtag } from '../provisioning/etag';
import { Paged, param } from '../provisioning/params';
import {
  AgentVersionView,
  agentView,
  AgentView,
  CreateAgent,
  CreateRelationship,
  RELATIONSHIP_KINDS,
  relationshipView,
  RelationshipView,
  UpdateAgent,
  versionView,
} from './agents.dto';

const Version = z.coerce.number().int().min(1).max(1_000_000_000);
/** An agent's audit stream is named by tenant and id: agent ids are chosen per tenant. */
const audited = (tenantId: string, agentId: string) => ({ type: 'agent', id: `${tenantId}:${agentId}` });

/** A tenant's agents: versioned configurations (a change is a new immutable version) and relationships. */
@ApiTags('agents')
@ApiBearerAuth()
@Controller('v1/tenants/:tenantId/agents')
export class AgentsController {
  constructor(private readonly changes: ProvisioningChanges) {}

  @Post()
  @HttpCode(201)
  @TenantAccess('write')
  @Documented({
    body: CreateAgent,
    status: 201,
    response: AgentView,
    description: 'The new agent, at version 1',
    headers: ETAG_HEADER,
  })
  async create(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseBody(CreateAgent, body);
    const agent = await this.changes.commit(
      caller,
      async ({ repo, resources }) => {
        await repo.createAgent(tenantId, input);
        return (await resources.agent(tenantId, input.id))!;
      },
      {
        action: 'agent.created',
        tenantId,
        kind: 'agent',
        resource: (a) => audited(tenantId, a.id),
        details: (a) => ({ version: a.version, name: a.name, enabled: a.enabled }),
      },
    );
    return withEtag(res, agentView(agent));
  }

  @Get()
  @TenantAccess('read')
  @Paged()
  @Documented({ status: 200, response: pageSchema(AgentView), description: "A page of the tenant's agents, by id" })
  async list(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const page = PageQuery.parse(query);
    await this.changes.requireTenant(tenantId);
    return pageOf(page, (p) => this.changes.resources.agents(tenantId, p), agentView, { key: AgentId });
  }

  @Get(':agentId')
  @TenantAccess('read')
  @Documented({
    status: 200,
    response: AgentView,
    description: 'The agent at its current version',
    headers: ETAG_HEADER,
  })
  async get(
    @Param('tenantId') tenantId: string,
    @Param('agentId') agentId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withEtag(res, agentView(await this.find(tenantId, agentId)));
  }

  @Patch(':agentId')
  @TenantAccess('write')
  @Conditional(true)
  @Documented({
    body: UpdateAgent,
    status: 200,
    response: AgentView,
    description:
      'The agent, changed: a new config is a new version (the fields given replace those of the current one)',
    headers: ETAG_HEADER,
  })
  async update(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('agentId') agentId: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = param(AgentId, agentId, 'agentId');
    const change = parseBody(UpdateAgent, body);
    const expect = expectedRevision(ifMatch, { required: true, what: `agent ${id}` });
    const agent = await this.changes.commit(
      caller,
      async ({ repo, resources }) => {
        const current = await resources.agent(tenantId, id);
        if (!current) throw new NotFoundError(`agent ${id} does not exist`);
        await repo.updateAgent(
          tenantId,
          id,
          { ...change, config: change.config && { ...current.config, ...change.config } },
          { expectedRevision: expect.revision },
        );
        return (await resources.agent(tenantId, id))!;
      },
      {
        action: 'agent.updated',
        tenantId,
        kind: 'agent',
        resource: (a) => audited(tenantId, a.id),
        details: (a) => ({ version: a.version, name: a.name, enabled: a.enabled }),
      },
    );
    return withEtag(res, agentView(agent));
  }

  @Delete(':agentId')
  @TenantAccess('write')
  @Conditional(true)
  @Documented({
    status: 200,
    response: AgentView,
    description:
      'The agent, deleted with its versions, bindings and relationships (to disable it, PATCH enabled: false)',
  })
  async remove(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('agentId') agentId: string,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    const id = param(AgentId, agentId, 'agentId');
    const expect = expectedRevision(ifMatch, { required: true, what: `agent ${id}` });
    const agent = await this.changes.commit(caller, ({ resources }) => resources.deleteAgent(tenantId, id, expect), {
      action: 'agent.deleted',
      tenantId,
      kind: 'agent',
      resource: (a) => audited(tenantId, a.id),
      details: (a) => ({ version: a.version }),
    });
    return agentView(agent);
  }

  @Get(':agentId/versions')
  @TenantAccess('read')
  @Paged()
  @Documented({
    status: 200,
    response: pageSchema(AgentVersionView),
    description: "A page of the agent's versions, oldest first",
  })
  async versions(@Param('tenantId') tenantId: string, @Param('agentId') agentId: string, @Query() query: unknown) {
    const id = param(AgentId, agentId, 'agentId');
    const page = PageQuery.parse(query);
    let found = true;
    const result = await pageOf(
      page,
      async (p) => {
        const rows = await this.changes.resources.agentVersions(tenantId, id, p);
        found = rows !== undefined;
        return rows ?? [];
      },
      versionView,
      { key: z.string().regex(/^\d{1,10}$/), of: (v) => String(v.version) },
    );
    if (!found) throw new NotFoundError(`agent ${id} does not exist`);
    return result;
  }

  @Get(':agentId/versions/:version')
  @TenantAccess('read')
  @Documented({
    status: 200,
    response: AgentVersionView,
    description: 'One version of the agent (versions never change)',
  })
  async version(@Param('tenantId') tenantId: string, @Param('agentId') agentId: string, @Param('version') raw: string) {
    const id = param(AgentId, agentId, 'agentId');
    const version = param(Version, raw, 'version');
    const found = await this.changes.resources.agentVersion(tenantId, id, version);
    if (!found) throw new NotFoundError(`agent ${id} has no version ${version}`);
    return versionView(found);
  }

  @Get(':agentId/relationships')
  @TenantAccess('read')
  @Documented({
    status: 200,
    response: z.object({ items: z.array(RelationshipView) }),
    description: "The agent's relationships to other agents",
  })
  async relationships(@Param('tenantId') tenantId: string, @Param('agentId') agentId: string) {
    const id = param(AgentId, agentId, 'agentId');
    const rows = await this.changes.resources.relationships(tenantId, id);
    if (!rows) throw new NotFoundError(`agent ${id} does not exist`);
    return { items: rows.map(relationshipView) };
  }

  @Post(':agentId/relationships')
  @HttpCode(201)
  @TenantAccess('write')
  @Documented({
    body: CreateRelationship,
    status: 201,
    response: RelationshipView,
    description: 'The new relationship',
  })
  async relate(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('agentId') agentId: string,
    @Body() body: unknown,
  ) {
    const id = param(AgentId, agentId, 'agentId');
    const input = parseBody(CreateRelationship, body);
    const row = await this.changes.commit(
      caller,
      ({ resources }) => resources.relate(tenantId, id, input.toAgentId, input.kind),
      {
        action: 'relationship.created',
        tenantId,
        kind: 'relationship',
        resource: () => audited(tenantId, id),
        details: (r) => ({ toAgentId: r.toAgentId, kind: r.kind }),
      },
    );
    return relationshipView(row);
  }

  @Delete(':agentId/relationships/:toAgentId')
  @TenantAccess('write')
  @ApiQuery({
    name: 'kind',
    required: false,
    schema: { type: 'string', enum: [...RELATIONSHIP_KINDS], default: 'may-message' },
  })
  @Documented({ status: 200, response: RelationshipView, description: 'The relationship, removed' })
  async unrelate(
    @Caller() caller: Principal,
    @Param('tenantId') tenantId: string,
    @Param('agentId') agentId: string,
    @Param('toAgentId') toAgentId: string,
    @Query('kind') rawKind: string | undefined,
  ) {
    const id = param(AgentId, agentId, 'agentId');
    const to = param(AgentId, toAgentId, 'toAgentId');
    const kind = param(z.enum(RELATIONSHIP_KINDS).default('may-message'), rawKind, 'kind');
    const row = await this.changes.commit(caller, ({ resources }) => resources.unrelate(tenantId, id, to, kind), {
      action: 'relationship.deleted',
      tenantId,
      kind: 'relationship',
      resource: () => audited(tenantId, id),
      details: (r) => ({ toAgentId: r.toAgentId, kind: r.kind }),
    });
    return relationshipView(row);
  }

  private async find(tenantId: string, agentId: string) {
    const id = param(AgentId, agentId, 'agentId');
    const agent = await this.changes.resources.agent(tenantId, id);
    if (!agent) throw new NotFoundError(`agent ${id} does not exist`);
    return agent;
  }
}
