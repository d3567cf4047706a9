import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AdminAuditEntity, type AuditAction } from './entities/admin-audit.entity.js';
import { rowsToRead } from '../common/pagination.js';

export interface AuditFilter {
  action?: AuditAction;
  offset: number;
  limit: number;
}

/** Every query on admin_audit. */
@Injectable()
export class AuditRepository {
  constructor(
    @InjectRepository(AdminAuditEntity) private readonly rows: Repository<AdminAuditEntity>,
  ) {}

  async insert(entry: Omit<AdminAuditEntity, 'id' | 'createdAt'>): Promise<void> {
    await this.rows.save(this.rows.create(entry));
  }

  /** Newest first (ix_admin_audit_recent / _action_recent), plus one row to flag more. */
  page(filter: AuditFilter): Promise<AdminAuditEntity[]> {
    return this.rows.find({
      where: filter.action ? { action: filter.action } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: filter.offset,
      take: rowsToRead(filter.limit),
    });
  }
}
