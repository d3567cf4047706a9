import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { AuthUser } from '../common/auth/auth-user.js';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import type { JobRow } from '../common/jobs/job.repository.js';
import { AuditService } from './audit.service.js';
import type { AdminJobDto, AdminJobPageDto, AdminJobQueryDto } from './dto/job.dto.js';
import { pageOf } from './dto/page-query.dto.js';
import { numberedPage, offsetOf } from '../common/pagination.js';

const toJobDto = (row: JobRow): AdminJobDto => ({
  id: Number(row.id),
  type: row.type,
  state: row.status,
  attempts: row.attempts,
  max_attempts: row.max_attempts,
  last_error: row.last_error,
  run_at: row.run_at.toISOString(),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/** The background job queue as admins see it: what ran, what failed and why, and retries. */
@Injectable()
export class AdminJobsService {
  constructor(
    private readonly jobs: JobQueue,
    private readonly audit: AuditService,
  ) {}

  async list(query: AdminJobQueryDto): Promise<AdminJobPageDto> {
    const request = pageOf(query);
    const rows = await this.jobs.page({
      status: query.state,
      type: query.type,
      offset: offsetOf(request),
      limit: request.pageSize,
    });
    return numberedPage(rows, request, toJobDto);
  }

  /** `id`: digits. A failed job pending again, due now, with all its attempts. */
  async retry(actor: AuthUser, id: string): Promise<AdminJobDto> {
    const result = await this.jobs.retry(id);
    switch (result.outcome) {
      case 'not_found':
        throw new NotFoundException(`No job ${id}`);
      case 'not_failed':
        throw new ConflictException(`Job ${id} is ${result.status}; only a failed job is retried`);
      case 'duplicate':
        throw new ConflictException(
          `Job ${id} is not retried: a pending job of the same kind does its work`,
        );
    }
    await this.audit.record(
      actor,
      'job.retry',
      `job:${id}`,
      { state: 'failed', attempts: result.previousAttempts },
      { state: result.job.status, attempts: result.job.attempts },
    );
    return toJobDto(result.job);
  }
}
