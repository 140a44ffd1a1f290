import { serviceImports } from '@clawfleet/bus';
import { provisioningEntities } from '@clawfleet/provisioning';
import { systemClock } from '@clawfleet/platform';
import { DynamicModule, Module } from '@nestjs/common';
import { AgentConfigs } from './agents/agent-configs';
import { RUNNER_CONFIG, type RunnerConfig } from './config';
import { runnerMigrations } from './migrations';
import { SessionExecutor } from './session/session.executor';
import { SessionStore } from './session/session.store';
import { createTurnEffects, TURN_EFFECTS } from './session/turn.effects';
import { TurnConsumer } from './session/turn.consumer';
import { builtinTools } from './tools/builtin.tools';
import { ToolBox } from './tools/tool.port';
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
        AgentConfigs,
        {
          provide: TURN_EFFECTS,
          inject: [TokenBudgets, AgentConfigs],
          useFactory: (budgets: TokenBudgets, agents: AgentConfigs) =>
            createTurnEffects({
              budgets,
              reserveOutputTokens: config.TOKEN_RESERVE_OUTPUT,
              agents: agents.resolve,
              tools: new ToolBox(builtinTools(systemClock)),
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
