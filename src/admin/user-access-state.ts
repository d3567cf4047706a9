import type { UserEntity } from '../auth/entities/user.entity.js';

/**
 * What the audit trail keeps of an account for `user.update`, one shape for every writer
 * (the admin API and the operator CLI), so the log reads the same whoever changed it.
 */
export interface AccessState {
  role: UserEntity['role'];
  tier: UserEntity['tier'];
  disabled: boolean;
  email_verified: boolean;
}

export const accessStateOf = (user: UserEntity): AccessState => ({
  role: user.role,
  tier: user.tier,
  disabled: user.disabledAt !== null,
  email_verified: user.emailVerifiedAt !== null,
});
