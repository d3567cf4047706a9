import { Controller, Get, Header, Logger, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ExemptFromBans, Public } from '../auth/access.decorators.js';
import { ShutdownDeadline } from '../lifecycle/shutdown-deadline.js';
import { ErrorResponseDto } from '../http/error-response.dto.js';
import { HealthStatusDto } from './health-status.dto.js';

@ApiTags('operations')
@ExemptFromBans()
@Controller()
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly typeOrm: TypeOrmHealthIndicator,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly shutdown: ShutdownDeadline,
  ) {}

  @Get('healthz')
  @Public()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  @ApiOkResponse({ type: HealthStatusDto })
  liveness(): HealthStatusDto {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Readiness: not shutting down, the database answers and every migration is applied',
  })
  @ApiOkResponse({ type: HealthStatusDto })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto })
  async readiness(): Promise<HealthStatusDto> {
    if (this.shutdown.started) throw new ServiceUnavailableException('Not ready: shutting down');
    try {
      await this.health.check([
        () => this.typeOrm.pingCheck('database').withTimeout(2000),
        () =>
          this.indicators
            .check('migrations')
            .attempt(async () => {
              if (await this.dataSource.showMigrations()) throw new Error('pending migrations');
            })
            .withTimeout(2000),
      ]);
      return { status: 'ok' };
    } catch (error) {
      const details = (error as { response?: { error?: Record<string, { message?: string }> } })
        .response?.error;
      const failing = Object.entries(details ?? {});
      const why = failing.map(([name, result]) => `${name}: ${result.message ?? 'down'}`);
      this.logger.warn(`Not ready: ${why.join('; ') || (error as Error).message}`);
      // The route is public: error texts name internal hosts and ports, so they stay in the log.
      const down = failing.map(([name]) => `${name} down`);
      throw new ServiceUnavailableException(
        `Not ready: ${down.join('; ') || 'health check failed'}`,
      );
    }
  }
}
