import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service.js';

/** The app's Prometheus registry, for every module that counts what it does. */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
