import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import {
  BanMetrics,
  CatalogueCacheMetrics,
  JobMetrics,
  LlmMetrics,
  ModerationMetrics,
  NotificationMetrics,
  RecallMetrics,
  RefusalMetrics,
  StreamMetrics,
} from './service-metrics.js';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * prom-client's default metrics name three gauges `_total`, a suffix Prometheus keeps for
 * counters (`promtool check metrics` fails them); `nodejs_active_handles{type}` and its kin
 * carry the same numbers by type.
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Prometheus metrics. Each app instance owns its registry (not prom-client's global one), so
 * several instances in one process — as in the tests — do not collide. Besides HTTP, the
 * process and the pool: what the service does (`llm`, `jobs`, `streams`, `refusals`,
 * `moderation`, `bans`, `notifications`, `catalogueCache`, `recall`), each fed by the code
 * that does it.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly llm = new LlmMetrics(this.registry);
  readonly jobs = new JobMetrics(this.registry);
  readonly streams = new StreamMetrics(this.registry);
  readonly refusals = new RefusalMetrics(this.registry);
  readonly moderation = new ModerationMetrics(this.registry);
  readonly bans = new BanMetrics(this.registry);
  readonly notifications = new NotificationMetrics(this.registry);
  readonly catalogueCache = new CatalogueCacheMetrics(this.registry);
  readonly recall = new RecallMetrics(this.registry);

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(@InjectDataSource() dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of MISNAMED_DEFAULT_GAUGES) this.registry.removeSingleMetric(name);
    const pool = () => (dataSource.driver as unknown as { master?: PgPool }).master;
    const poolGauge = (name: string, help: string, read: (pool: PgPool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const current = pool();
          this.set(current ? read(current) : 0);
        },
      });
    // A gauge, so no `_total` (it was db_pool_connections_total, which reads as a counter).
    poolGauge('db_pool_connections', 'Connections open in the pool', (p) => p.totalCount);
    poolGauge('db_pool_connections_idle', 'Idle connections in the pool', (p) => p.idleCount);
    poolGauge(
      'db_pool_waiting_requests',
      'Queries waiting for a connection',
      (p) => p.waitingCount,
    );
  }

  /** Express middleware: times every request and labels it by its route template. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const end = this.latency.startTimer();
    res.once('finish', () => {
      // req.route is set once a route matched; its path is the template (`/api/chats/:id`).
      // Nest answers unknown paths from a catch-all route, which is not a template worth a label.
      const path = req.route ? `${req.baseUrl}${String(req.route.path)}` : '';
      const route = !path || path.endsWith('*path') ? 'unmatched' : path;
      const labels = { method: req.method, route, status: String(res.statusCode) };
      this.requests.inc(labels);
      end(labels);
    });
    next();
  };
}
