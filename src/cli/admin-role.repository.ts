import type { DataSource } from 'typeorm';
import { AuditRepository } from '../admin/audit.repository.js';
import { AdminAuditEntity } from '../admin/entities/admin-audit.entity.js';
import { UserEntity } from '../auth/entities/user.entity.js';
import { isSystemEmail } from '../auth/system-accounts.js';
import { tierForRole } from '../auth/tiers.js';
import { accessStateOf, type AccessState } from '../admin/user-access-state.js';

export type { AccessState };

/** Who the audit trail names for changes made with the operator CLI (no account behind it). */
export const CLI_ACTOR_EMAIL = 'admin-cli@system.local';

export type RoleChange =
  | { outcome: 'changed' | 'unchanged'; userId: string; before: AccessState; after: AccessState }
  | { outcome: 'unknown' }
  | { outcome: 'system' };

/** The operator CLI's writes: an account's admin role and its audit row, in one transaction. */
export class AdminRoleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Grants or revokes the admin role of the account with `email`; the tier follows the role
   * (tierForRole). A grant also marks the address as proven: the operator vouches for it, so an
   * ADMIN_EMAILS address keeps the role at its next sign-in without the mailed reset (the proof
   * a deployment without mail cannot send). Every use is audited, a no-op included.
   */
  setAdmin(email: string, admin: boolean): Promise<RoleChange> {
    return this.dataSource.transaction(async (manager) => {
      const users = manager.getRepository(UserEntity);
      // Locked, so a concurrent sign-in's role sync cannot interleave with this change.
      const user = await users.findOne({ where: { email }, lock: { mode: 'pessimistic_write' } });
      if (!user) return { outcome: 'unknown' };
      if (isSystemEmail(user.email)) return { outcome: 'system' };

      const role = admin ? 'admin' : 'user';
      const updated: UserEntity = {
        ...user,
        role,
        tier: tierForRole(role, user.tier),
        emailVerifiedAt: admin ? (user.emailVerifiedAt ?? new Date()) : user.emailVerifiedAt,
      };
      const before = accessStateOf(user);
      const after = accessStateOf(updated);
      await users.update(
        { id: user.id },
        { role: updated.role, tier: updated.tier, emailVerifiedAt: updated.emailVerifiedAt },
      );
      await new AuditRepository(manager.getRepository(AdminAuditEntity)).insert({
        actorId: null,
        actorEmail: CLI_ACTOR_EMAIL,
        action: 'user.update',
        target: `user:${user.id}`,
        before,
        after,
      });
      const changed = JSON.stringify(before) !== JSON.stringify(after);
      return { outcome: changed ? 'changed' : 'unchanged', userId: user.id, before, after };
    });
  }
}
