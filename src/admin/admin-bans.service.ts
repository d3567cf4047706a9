import { Injectable } from '@nestjs/common';
import type { BanRow } from '../auth/violations/violations.repository.js';
import { ViolationService } from '../auth/violations/violation.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AuditService } from './audit.service.js';
import type { BanDto, BanPageDto } from './dto/ban.dto.js';
import { type AdminPageQueryDto, pageOf } from './dto/page-query.dto.js';

const toDto = (row: BanRow): BanDto => {
  const isUser = row.subject.startsWith('user:');
  return {
    id: row.id,
    subject: isUser ? 'user' : 'address',
    user: isUser && row.user_id ? { id: row.user_id, email: row.email ?? '' } : null,
    address_hash: isUser ? null : row.subject.slice(row.subject.indexOf(':') + 1),
    strike: row.strike,
    reason: row.reason,
    banned_at: row.banned_at.toISOString(),
    banned_until: row.banned_until.toISOString(),
    lifted_at: row.lifted_at?.toISOString() ?? null,
  };
};

/** Timed bans (the scores and bans themselves belong to AuthModule's ViolationService). */
@Injectable()
export class AdminBansService {
  constructor(
    private readonly violations: ViolationService,
    private readonly audit: AuditService,
  ) {}

  async list(query: AdminPageQueryDto): Promise<BanPageDto> {
    const { page, pageSize } = pageOf(query);
    const { rows, hasMore } = await this.violations.active(page, pageSize);
    return { items: rows.map(toDto), page, page_size: pageSize, has_more: hasMore };
  }

  /** `id` must be a UUID. */
  async lift(actor: AuthUser, id: string): Promise<BanDto> {
    const { before, after } = await this.violations.lift(actor.id, id);
    const [was, is] = [toDto(before), toDto(after)];
    await this.audit.record(actor, 'ban.lift', `ban:${id}`, was, is);
    return is;
  }
}
