import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { UsersService } from '../auth/users.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import { AuditService } from './audit.service.js';
import { pageOf } from './dto/page-query.dto.js';
import {
  AdminUserDto,
  type AdminUserPageDto,
  type UpdateUserDto,
  type UserQueryDto,
} from './dto/user.dto.js';
import { accessStateOf } from './user-access-state.js';
import { numberedPage, offsetOf } from '../common/pagination.js';

/**
 * Accounts: search, tier and role changes, disabling. A role set here lasts until the user's
 * next sign-in, where ADMIN_EMAILS decides it again (UsersService.syncAdminRole): ADMIN_EMAILS
 * stays the one source of truth for who is an admin, and only its admins may disable or demote
 * its accounts.
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async list(query: UserQueryDto): Promise<AdminUserPageDto> {
    const request = pageOf(query);
    const rows = await this.users.search({
      term: query.q?.trim() || undefined,
      offset: offsetOf(request),
      limit: request.pageSize,
    });
    return numberedPage(rows, request, (user) => AdminUserDto.from(user));
  }

  /** `id` must be a UUID. */
  async update(actor: AuthUser, id: string, dto: UpdateUserDto): Promise<AdminUserDto> {
    if (dto.tier == null && dto.role == null && dto.disabled == null) {
      throw new BadRequestException('Nothing to change: send tier, role or disabled');
    }
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('User not found');
    // Locking oneself out would leave no one to undo it.
    if (user.id === actor.id && dto.disabled === true) {
      throw new BadRequestException('You cannot disable your own account');
    }
    if (user.id === actor.id && dto.role !== undefined && dto.role !== 'admin') {
      throw new BadRequestException('You cannot remove your own admin role');
    }
    const demotes = dto.disabled === true || (dto.role !== undefined && dto.role !== 'admin');
    if (demotes && this.users.isAdminEmail(user.email) && !(await this.isListedAdmin(actor))) {
      // Otherwise an admin promoted here could lock out the operators who promoted them.
      throw new ForbiddenException(
        'Only an admin listed in ADMIN_EMAILS can disable or demote an account listed there',
      );
    }
    const updated = await this.users.changeAccess(user, dto);
    await this.audit.record(
      actor,
      'user.update',
      `user:${id}`,
      accessStateOf(user),
      accessStateOf(updated),
    );
    return AdminUserDto.from(updated);
  }

  /** An ADMIN_EMAILS address the caller's account has proven it owns. */
  private async isListedAdmin(actor: AuthUser): Promise<boolean> {
    if (!this.users.isAdminEmail(actor.email)) return false;
    return Boolean((await this.users.findById(actor.id))?.emailVerifiedAt);
  }
}
