import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AuditRepository } from './audit.repository.js';
import type { AuditPageDto, AuditQueryDto } from './dto/audit.dto.js';
import type { AuditAction } from './entities/admin-audit.entity.js';
import { pageOf } from './dto/page-query.dto.js';
import { numberedPage, offsetOf } from '../common/pagination.js';

/** The trail of admin writes: every admin service records through `record`, nothing else. */
@Injectable()
export class AuditService {
  constructor(private readonly entries: AuditRepository) {}

  /**
   * Called after the write succeeded, so the trail never shows a change that did not happen.
   * `target` is `<kind>:<id>`; `before` and `after` are JSON-able states of that target.
   */
  record(
    actor: AuthUser,
    action: AuditAction,
    target: string,
    before: unknown,
    after: unknown,
  ): Promise<void> {
    return this.entries.insert({
      actorId: actor.id,
      actorEmail: actor.email,
      action,
      target,
      before: before ?? null,
      after: after ?? null,
    });
  }

  async list(query: AuditQueryDto): Promise<AuditPageDto> {
    const request = pageOf(query);
    const rows = await this.entries.page({
      action: query.action,
      offset: offsetOf(request),
      limit: request.pageSize,
    });
    return numberedPage(rows, request, (row) => ({
      id: row.id,
      actor_id: row.actorId,
      actor_email: row.actorEmail,
      action: row.action,
      target: row.target,
      before: row.before,
      after: row.after,
      created_at: row.createdAt.toISOString(),
    }));
  }
}
