import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { PasswordResetTokenEntity } from './entities/password-reset-token.entity.js';

@Injectable()
export class PasswordResetTokenRepository {
  constructor(
    @InjectRepository(PasswordResetTokenEntity)
    private readonly rows: Repository<PasswordResetTokenEntity>,
  ) {}

  /**
   * Stores a user's new reset token in place of their older one: only the latest link works.
   * An upsert on the one row per user, since two requests at once each delete only the rows
   * their own snapshot sees and would both keep a link.
   */
  async replaceForUser(userId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.rows.query(
      `INSERT INTO password_reset_token (user_id, token_hash, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE
         SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at,
             used_at = NULL, created_at = now()`,
      [userId, tokenHash, expiresAt],
    );
  }

  /**
   * Burns a live token in one statement, so a token can never be redeemed twice, even by
   * concurrent requests. Returns its user's id, or null for a wrong, used or expired token.
   * With `manager`, the burn only counts if its transaction commits.
   */
  async burn(
    tokenHash: string,
    manager: EntityManager = this.rows.manager,
  ): Promise<string | null> {
    const [rows] = (await manager.query(
      `UPDATE password_reset_token SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING user_id`,
      [tokenHash],
    )) as [Array<{ user_id: string }>, number];
    return rows[0]?.user_id ?? null;
  }
}
