import { Controller, Get, Global, HttpCode, HttpException, HttpStatus, Injectable, Module, SetMetadata } from '@nestjs/common';

/** Marks a route that needs no credentials (health probes); every other route of an authenticated API is closed. */
export const PUBLIC_ROUTE = Symbol('clawfleet:public-route');
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

export type ReadinessCheck = () => Promise<void> | void;

/** Readiness checks registered by the modules that own a dependency (database, bus, ...). */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** From now on /readyz answers 503, so load balancers stop sending work before the process drains. */
  startDraining(): void {
    this.draining = true;
  }

  async report(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    if (this.draining) checks['draining'] = 'shutting down';
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          await check();
          checks[name] = 'ok';
        } catch (error) {
          checks[name] = error instanceof Error ? error.message : String(error);
        }
      }),
    );
    return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
  }
}

@Controller()
@PublicRoute()
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  /** Liveness: the process answers. No dependency is checked, so an outage never restart-loops pods. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz() {
    const report = await this.readiness.report();
    if (!report.ready) throw new HttpException({ status: 'unavailable', ...report }, HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'ok', ...report };
  }
}

@Global()
@Module({ controllers: [HealthController], providers: [Readiness], exports: [Readiness] })
export class HealthModule {}
