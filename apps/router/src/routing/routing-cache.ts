import { Bus } from '@clawfleet/bus';
import { ProvisioningChanged } from '@clawfleet/contracts';
import { ProvisioningRepository, type RoutingData } from '@clawfleet/provisioning';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { ROUTER_CONFIG, type RouterConfig } from '../config';

interface Entry {
  readonly loaded: Promise<RoutingData>;
  readonly expiresAt: number;
}

/**
 * What routing needs of each tenant, loaded in one go and kept in memory, so the router's serial path
 * makes no round trip per rule. A `provisioning.changed` event (core NATS) drops a tenant's entry on
 * every replica at once; entries also expire after ROUTING_CACHE_TTL_MS, which bounds how long a lost
 * event can leave a replica behind.
 */
@Injectable()
export class RoutingCache implements OnModuleInit, OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly repository: ProvisioningRepository;
  private subscription?: Subscription;

  constructor(
    dataSource: DataSource,
    private readonly bus: Bus,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
  ) {
    this.repository = new ProvisioningRepository(dataSource);
  }

  onModuleInit() {
    this.subscription = this.bus.connection.subscribe(this.bus.topology.subjects.provisioningChanged('*'), {
      callback: (error, msg) => {
        if (error) return;
        const event = ProvisioningChanged.envelope.safeParse(safeJson(msg.data));
        if (event.success) this.invalidate(event.data.tenantId);
      },
    });
  }

  onApplicationShutdown() {
    this.subscription?.unsubscribe();
  }

  invalidate(tenantId: string): void {
    this.entries.delete(tenantId);
  }

  async get(tenantId: string, now = Date.now()): Promise<RoutingData> {
    const cached = this.entries.get(tenantId);
    if (cached && cached.expiresAt > now) return cached.loaded;
    const loaded = this.load(tenantId);
    this.entries.set(tenantId, { loaded, expiresAt: now + this.config.ROUTING_CACHE_TTL_MS });
    try {
      return await loaded;
    } catch (error) {
      this.entries.delete(tenantId); // the next message tries again
      throw error;
    }
  }

  private async load(tenantId: string): Promise<RoutingData> {
    const data = await this.repository.loadRouting(tenantId);
    if (tenantId !== this.config.DEFAULT_TENANT_ID) return data;
    // The environment's tenant routes to the environment's agent before anything is provisioned
    // (version 0: session-runner runs it from its environment until it has seeded it).
    const defaultAgentId = data.defaultAgentId ?? this.config.DEFAULT_AGENT_ID;
    const agents = new Map(data.agents);
    if (!agents.has(defaultAgentId))
      agents.set(defaultAgentId, {
        id: defaultAgentId,
        name: defaultAgentId,
        enabled: true,
        currentVersion: 0,
        allowedModels: [],
      });
    return { ...data, exists: !data.disabled, defaultAgentId, agents };
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
