import { Bus } from '@clawfleet/bus';
import { ProvisioningChanged } from '@clawfleet/contracts';
import { AgentConfig, ProvisioningRepository, sandboxLoosening, type ModelRef, type SandboxCeiling } from '@clawfleet/provisioning';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';
import { ModelError, type LlmProvider } from '../llm/llm.port';
import { llmForChain, llmFromConfig } from '../llm/provider.factory';
import { sandboxCeiling } from '../sandbox/sandbox.config';
import { runtimeOf, type AgentRuntime } from './agent-runtime';

const MAX_CACHED = 10_000;

/** The environment's agent, as a provisioned config: what the seed stores and what version-less sessions run with. */
export function environmentAgentConfig(config: RunnerConfig): AgentConfig {
  return AgentConfig.parse({
    instructions: config.AGENT_INSTRUCTIONS,
    models: [],
    allowedModels: config.AGENT_ALLOWED_MODELS,
    queueMode: config.QUEUE_MODE,
    maxRounds: config.TURN_MAX_ROUNDS,
  });
}

/**
 * Agent configurations by (tenant, agent, version), loaded once and kept. Versions never change, so
 * a cached one is never stale; a `provisioning.changed` event for an agent still drops its entries,
 * so a deleted agent stops running on every replica. Provider keys stay here: a chain's providers
 * are built from the environment's endpoints, whatever the agent's data says.
 */
@Injectable()
export class AgentConfigs implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('agents');
  private readonly repository: ProvisioningRepository;
  private readonly cache = new Map<string, Promise<AgentRuntime>>();
  private readonly chains = new Map<string, LlmProvider>();
  private readonly environment: AgentRuntime;
  private readonly ceiling: SandboxCeiling;
  private subscription?: Subscription;

  constructor(
    dataSource: DataSource,
    private readonly bus: Bus,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {
    this.ceiling = sandboxCeiling(config);
    this.repository = new ProvisioningRepository(dataSource, undefined, { sandboxCeiling: this.ceiling });
    this.environment = runtimeOf(
      config.DEFAULT_AGENT_ID,
      null,
      environmentAgentConfig(config),
      llmFromConfig(config),
      config.MODEL_NAME,
    );
  }

  onModuleInit() {
    this.subscription = this.bus.connection.subscribe(this.bus.topology.subjects.provisioningChanged('*'), {
      callback: (error, msg) => {
        if (error) return;
        let event;
        try {
          event = ProvisioningChanged.envelope.safeParse(JSON.parse(new TextDecoder().decode(msg.data)));
        } catch {
          return;
        }
        if (event.success && event.data.data.kind === 'agent') this.invalidate(event.data.tenantId, event.data.data.id);
      },
    });
  }

  /** Seeds the default tenant's default agent from the environment on first start (never overwrites it). */
  async onApplicationBootstrap() {
    try {
      await this.repository.seedAgent(
        this.config.DEFAULT_TENANT_ID,
        this.config.DEFAULT_AGENT_ID,
        environmentAgentConfig(this.config),
      );
    } catch (error) {
      // Migrations not applied yet (DB_MIGRATE_ON_BOOT=false before `npm run migrate`): the environment's agent still runs.
      this.logger.warn(`the default agent was not seeded: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown() {
    this.subscription?.unsubscribe();
  }

  invalidate(tenantId: string, agentId?: string): void {
    const prefix = agentId ? `${tenantId}|${agentId}|` : `${tenantId}|`;
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  /** The runtime of a session's agent version; null: the environment's. */
  resolve = (tenantId: string, agentId: string, version: number | null): Promise<AgentRuntime> => {
    if (version === null) return Promise.resolve(this.environment);
    const key = `${tenantId}|${agentId}|${version}`;
    let loaded = this.cache.get(key);
    if (!loaded) {
      loaded = this.load(tenantId, agentId, version);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, loaded);
      loaded.catch(() => this.cache.delete(key));
    }
    return loaded;
  };

  private async load(tenantId: string, agentId: string, version: number): Promise<AgentRuntime> {
    const stored = await this.repository.agentVersion(tenantId, agentId, version);
    if (!stored)
      throw new ModelError(`The agent ${agentId} (version ${version}) is not provisioned.`, false, 'agent-missing');
    const { config } = stored;
    // Refused when configured against the ceiling of then; the operator may have lowered it since.
    const loosening = sandboxLoosening(this.ceiling, config.sandbox);
    if (loosening.length > 0)
      this.logger.warn(`agent ${agentId} (version ${version}): its sandbox is clamped to this runner's: ${loosening.join('; ')}`);
    let llm = this.environment.llm;
    try {
      if (config.models.length > 0) llm = this.chain(config.models);
    } catch (error) {
      throw new ModelError(
        `the models of agent ${agentId} cannot be used here: ${(error as Error).message}`,
        false,
        'agent-misconfigured',
      );
    }
    return runtimeOf(agentId, version, config, llm, this.config.MODEL_NAME);
  }

  /** One model port per distinct chain, shared by the agents that use it. */
  private chain(models: readonly ModelRef[]): LlmProvider {
    const key = JSON.stringify(models);
    let llm = this.chains.get(key);
    if (!llm) {
      llm = llmForChain(
        this.config,
        models.map((m) => ({ kind: m.provider, model: m.model })),
      );
      this.chains.set(key, llm);
    }
    return llm;
  }
}
