import { PinoLogger } from 'nestjs-pino';
import { serviceImports } from '@clawfleet/bus';
import { provisioningEntities } from '@clawfleet/provisioning';
import { DailyUsage } from '@clawfleet/records';
import { systemClock } from '@clawfleet/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentConfigs } from './agents/agent-configs';
import { RUNNER_CONFIG, type RunnerConfig } from './config';
import { runnerMigrations } from './migrations';
import { egressFromConfig, sandboxesFromConfig } from './sandbox/sandbox.factory';
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
import { webFetchTool } from './tools/web-fetch';
import { OutboxRelayService } from './work/outbox-relay.service';
import { SessionLeases } from './work/session-leases';
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
        { provide: DailyUsage, inject: [DataSource], useFactory: (dataSource: DataSource) => new DailyUsage(dataSource) },
        {
          provide: SANDBOXES,
          inject: [PinoLogger],
          useFactory: (logger: PinoLogger) => {
            const log = (message: string, fields?: Record<string, unknown>) => logger.info(fields ?? {}, message);
            return sandboxesFromConfig(config, log, egressFromConfig(config, log));
          },
        },
        SandboxSweeper,
        AgentConfigs,
        {
          provide: TURN_EFFECTS,
          inject: [TokenBudgets, PinoLogger, SANDBOXES, AgentConfigs, DailyUsage],
          useFactory: (
            budgets: TokenBudgets,
            logger: PinoLogger,
            sandboxes: SandboxPort,
            agents: AgentConfigs,
            usage: DailyUsage,
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
                  maxFileBytes: config.SANDBOX_SEND_FILE_MAX_BYTES,
                }),
                // Offered only to agents whose sandbox has egress (turn.effects), and never when the operator turned it off.
                ...(config.SANDBOX_EGRESS === 'off'
                  ? []
                  : [
                      webFetchTool({
                        timeoutMs: config.WEB_FETCH_TIMEOUT_MS,
                        maxBytes: config.WEB_FETCH_MAX_BYTES,
                        maxOutputBytes: config.SANDBOX_MAX_OUTPUT_BYTES,
                        allowPrivate: config.SANDBOX_EGRESS_ALLOW_PRIVATE,
                      }),
                    ]),
              ]),
            }),
        },
        SessionStore,
        SessionLeases,
        SessionExecutor,
        TurnConsumer,
        OutboxRelayService,
      ],
    };
  }
}
