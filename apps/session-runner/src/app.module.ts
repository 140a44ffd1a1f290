import { PinoLogger } from 'nestjs-pino';
import { serviceImports } from '@clawfleet/bus';
import { provisioningEntities } from '@clawfleet/provisioning';
import { systemClock } from '@clawfleet/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { AgentConfigs } from './agents/agent-configs';
import { RUNNER_CONFIG, type RunnerConfig } from './config';
import { runnerMigrations } from './migrations';
import { sandboxesFromConfig } from './sandbox/sandbox.factory';
import { SandboxSweeper } from './sandbox/sandbox.sweeper';
import { SANDBOXES } from './sandbox/sandbox.tokens';
import type { SandboxPort } from './sandbox/sandbox.port';
import { SessionExecutor } from './session/session.executor';
import { SessionStore } from './session/session.store';
import { createTurnEffects, TURN_EFFECTS } from './session/turn.effects';
import { TurnConsumer } from './session/turn.consumer';
import { builtinTools } from './tools/builtin.tools';
import { sandboxTools } from './tools/sandbox.tools';
import { ToolBox } from './tools/tool.port';
import { OutboxRelayService } from './work/outbox-relay.service';
import { ParkedSessions } from './work/parked-sessions';
import { SessionLeases } from './work/session-leases';
import { SessionUsage } from './work/session-usage';
import { TokenBudgets } from './work/token-budgets';

@Module({})
export class AppModule {
  static forRoot(config: RunnerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: serviceImports('session-runner', config, { migrations: runnerMigrations, entities: provisioningEntities }),
      providers: [
        { provide: RUNNER_CONFIG, useValue: config },
        TokenBudgets,
        SessionUsage,
        { provide: SANDBOXES, useFactory: () => sandboxesFromConfig(config) },
        SandboxSweeper,
        AgentConfigs,
        {
          provide: TURN_EFFECTS,
          inject: [TokenBudgets, PinoLogger, SANDBOXES, AgentConfigs, SessionUsage],
          useFactory: (
            budgets: TokenBudgets,
            logger: PinoLogger,
            sandboxes: SandboxPort,
            agents: AgentConfigs,
            usage: SessionUsage,
          ) =>
            createTurnEffects({
              warn: (fields, message) => logger.warn(fields, message),
              budgets,
              usage,
              prices: config.MODEL_PRICES,
              reserveOutputTokens: config.TOKEN_RESERVE_OUTPUT,
              agents: agents.resolve,
              tools: new ToolBox([
                ...builtinTools(systemClock),
                ...sandboxTools(sandboxes, {
                  bashMaxTimeoutMs: config.SANDBOX_BASH_TIMEOUT_MS,
                  maxOutputBytes: config.SANDBOX_MAX_OUTPUT_BYTES,
                }),
              ]),
            }),
        },
        SessionStore,
        SessionLeases,
        ParkedSessions,
        SessionExecutor,
        TurnConsumer,
        OutboxRelayService,
      ],
    };
  }
}
