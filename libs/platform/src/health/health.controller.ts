import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { PublicRoute } from '../auth/api-key.guard';
import { ReadinessRegistry } from './readiness';

@ApiExcludeController()
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessRegistry,
  ) {}

  /** Alive means the event loop answers; a wedged dependency is readiness' business. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.readiness.all().map((probe) => async () => {
        const session = this.indicators.check(probe.name);
        const result = await probe.check().catch((error: Error) => ({ up: false, detail: error.message }));
        return result.up ? session.up() : session.down({ message: result.detail ?? 'down' });
      }),
    );
  }
}
