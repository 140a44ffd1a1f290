import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { RUNNER_CONFIG, type RunnerConfig } from '../config';
import { SANDBOXES } from './sandbox.tokens';
import type { SandboxPort } from './sandbox.port';

/** Stops idle sandboxes, removes long-stopped ones and refills the warm pool, every half idle period (at most a minute). */
@Injectable()
export class SandboxSweeper implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    @Inject(SANDBOXES) private readonly sandboxes: SandboxPort,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly logger: PinoLogger,
  ) {}

  onModuleInit() {
    const every = Math.min(60_000, Math.max(500, this.config.SANDBOX_IDLE_MS / 2));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
    void this.sweep(); // fills the warm pool at once
  }

  private async sweep() {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.sandboxes.sweep();
    } catch (error) {
      // The engine may be down or absent: tools then answer so; nothing else depends on the sweep.
      this.logger.debug({ err: String(error) }, 'sandbox sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  async onApplicationShutdown() {
    clearInterval(this.timer);
    await this.sandboxes.close();
  }
}
