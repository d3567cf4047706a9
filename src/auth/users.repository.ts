import { EntityReader } from '../database/entity-reader.js';
import { PreparedStatements } from '../database/prepared-statement.js';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository } from 'typeorm';
import type { Tier } from '../common/auth/access.decorators.js';
import type { Role } from '../common/auth/auth-user.js';
import type { Language } from '../common/languages.js';
import { type OAuthProvider, UserEntity } from './entities/user.entity.js';
import { SYSTEM_EMAIL_DOMAIN } from './system-accounts.js';
import { rowsToRead } from '../common/pagination.js';

export interface NewUser {
  email: string;
  passwordHash: string | null;
  role: Role;
  tier: Tier;
  displayName: string | null;
  preferredLanguage: Language;
  oauthProvider?: OAuthProvider;
  oauthId?: string;
  /** Set when the sign-up itself proved the address (Google with a verified email). */
  emailVerifiedAt?: Date;
}

export interface TokenUsage {
  today: number;
  month: number;
}

export interface UserSearch {
  /** Substring of the email or display name, any case. */
  term?: string;
  offset: number;
  limit: number;
}

/** LIKE pattern of the platform's own accounts (email is citext: LIKE ignores case). */
const SYSTEM_EMAIL_PATTERN = `%@${SYSTEM_EMAIL_DOMAIN}`;

/** Every query on app_user. */
@Injectable()
export class UsersRepository {
  /** By id on every authenticated request (the access guard). */
  private readonly reader: EntityReader<UserEntity>;

  /** After every chat reply. */
  private readonly prepared: PreparedStatements;

  constructor(@InjectRepository(UserEntity) private readonly rows: Repository<UserEntity>) {
    this.reader = new EntityReader(rows.manager.dataSource, UserEntity);
    this.prepared = new PreparedStatements(rows.manager.dataSource);
  }

  /** With `manager`, inside its transaction (it sees the transaction's own writes). */
  findById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return manager ? manager.findOneBy(UserEntity, { id }) : this.reader.findOneBy('id', id);
  }

  findByIds(ids: string[]): Promise<UserEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.rows.findBy({ id: In(ids) });
  }

  /** One page of accounts, newest first, plus one row so the caller knows whether more follow. */
  search(filter: UserSearch): Promise<UserEntity[]> {
    const query = this.rows.createQueryBuilder('u');
    if (filter.term) {
      // The expressions of ix_app_user_search and ix_app_user_released_email, so their trigram
      // indexes serve the LIKE; a released account is found by the address it gave up too.
      query.where(
        `(lower(u.email::text || ' ' || coalesce(u.display_name, '')) LIKE :pattern
          OR lower(u.released_email::text) LIKE :pattern)`,
        { pattern: `%${filter.term.toLowerCase().replace(/[\\%_]/g, '\\$&')}%` },
      );
    }
    return query
      .orderBy('u.createdAt', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .offset(filter.offset)
      .limit(rowsToRead(filter.limit))
      .getMany();
  }

  /** Case-insensitive (citext). */
  findByEmail(email: string): Promise<UserEntity | null> {
    return this.rows.findOneBy({ email });
  }

  /** Accounts public statistics count: neither admins nor the platform's own accounts. */
  countCommunity(): Promise<number> {
    return this.rows
      .createQueryBuilder('u')
      .where(`u.role <> 'admin' AND u.email NOT LIKE :system`, { system: SYSTEM_EMAIL_PATTERN })
      .getCount();
  }

  /** Ids public statistics leave out: admins and the platform's own accounts. */
  async uncountedIds(): Promise<string[]> {
    const rows = await this.rows
      .createQueryBuilder('u')
      .select('u.id', 'id')
      .where(`u.role = 'admin' OR u.email LIKE :system`, { system: SYSTEM_EMAIL_PATTERN })
      .getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  findByOAuth(provider: OAuthProvider, oauthId: string): Promise<UserEntity | null> {
    return this.rows.findOneBy({ oauthProvider: provider, oauthId });
  }

  /** Null when the email (or OAuth identity) is taken, also when a concurrent insert won. */
  async insertIfFree(user: NewUser): Promise<UserEntity | null> {
    const result = await this.rows
      .createQueryBuilder()
      .insert()
      .values(user)
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (result.raw as Array<{ id: string }>)[0]?.id;
    return id ? this.findById(id) : null;
  }

  async confirmAdult(id: string): Promise<void> {
    await this.rows
      .createQueryBuilder()
      .update()
      .set({ adultConfirmedAt: () => 'COALESCE(adult_confirmed_at, now())' })
      .where('id = :id', { id })
      .execute();
  }

  async setPreferredLanguage(id: string, language: Language): Promise<void> {
    await this.rows.update({ id }, { preferredLanguage: language });
  }

  async setRoleAndTier(id: string, role: Role, tier: Tier): Promise<void> {
    await this.rows.update({ id }, { role, tier });
  }

  /** Sets the fields given; a disabled account keeps the instant it was first disabled. */
  async setAccess(
    id: string,
    access: { role?: Role; tier?: Tier; disabled?: boolean },
  ): Promise<void> {
    await this.rows
      .createQueryBuilder()
      .update()
      .set({
        ...(access.role !== undefined ? { role: access.role } : {}),
        ...(access.tier !== undefined ? { tier: access.tier } : {}),
        ...(access.disabled !== undefined
          ? { disabledAt: () => (access.disabled ? 'COALESCE(disabled_at, now())' : 'NULL') }
          : {}),
      })
      .where('id = :id', { id })
      .execute();
  }

  /**
   * Links an OAuth identity that proved the account's email to an account that had proven it
   * already and has no identity yet; false otherwise (see releaseToOwner for unproven ones).
   */
  async linkOAuth(id: string, provider: OAuthProvider, oauthId: string): Promise<boolean> {
    const [, linked] = (await this.rows.query(
      `UPDATE app_user SET oauth_provider = $2, oauth_id = $3, updated_at = now()
       WHERE id = $1 AND oauth_id IS NULL AND email_verified_at IS NOT NULL`,
      [id, provider, oauthId],
    )) as [unknown[], number];
    return linked === 1;
  }

  /**
   * Marks the address proven while the account still holds `email` and was not released
   * (both checked in the same statement); keeps the first instant. False otherwise.
   */
  async markEmailVerified(id: string, email: string): Promise<boolean> {
    const [, updated] = (await this.rows.query(
      `UPDATE app_user SET email_verified_at = COALESCE(email_verified_at, now()),
         updated_at = now()
       WHERE id = $1 AND email = $2 AND released_at IS NULL`,
      [id, email],
    )) as [unknown[], number];
    return updated === 1;
  }

  /** Sets a password on an account that has proven its email; false when it has not. */
  async setPasswordIfProven(
    id: string,
    passwordHash: string,
    changedAt: Date,
    manager: EntityManager = this.rows.manager,
  ): Promise<boolean> {
    const [, updated] = (await manager.query(
      `UPDATE app_user SET password_hash = $2, password_changed_at = $3, updated_at = now()
       WHERE id = $1 AND email_verified_at IS NOT NULL`,
      [id, passwordHash, changedAt],
    )) as [unknown[], number];
    return updated === 1;
  }

  /**
   * Someone just proved they own the email of account `id`, which never proved it: whoever
   * registered it may not be them (pre-registration). In one statement the account gives the
   * address up (a random placeholder, `released_email` keeps it), is disabled, loses its
   * password and every token (`password_changed_at`), and keeps all it made; the owner gets a
   * fresh account with the address, proven. The fresh account's id, or null when `id` is gone
   * or proved its address meanwhile (the UPDATE runs first: the INSERT reads its output).
   */
  async releaseToOwner(
    id: string,
    owner: Omit<NewUser, 'email' | 'emailVerifiedAt'> & { passwordChangedAt: Date | null },
    manager: EntityManager = this.rows.manager,
  ): Promise<string | null> {
    const rows = (await manager.query(
      `WITH released AS (
         UPDATE app_user SET
           released_email = email,
           released_at = now(),
           email = 'released-' || gen_random_uuid() || '@released.invalid',
           password_hash = NULL,
           password_changed_at = $10,
           disabled_at = COALESCE(disabled_at, now()),
           updated_at = now()
         WHERE id = $1 AND email_verified_at IS NULL AND oauth_id IS NULL AND released_at IS NULL
         RETURNING released_email)
       INSERT INTO app_user (email, password_hash, role, tier, display_name, preferred_language,
                             oauth_provider, oauth_id, email_verified_at, password_changed_at)
       SELECT released_email, $2, $3, $4, $5, $6, $7, $8, now(), $9 FROM released
       RETURNING id`,
      [
        id,
        owner.passwordHash,
        owner.role,
        owner.tier,
        owner.displayName,
        owner.preferredLanguage,
        owner.oauthProvider ?? null,
        owner.oauthId ?? null,
        owner.passwordChangedAt,
        new Date(),
      ],
    )) as Array<{ id: string }>;
    return rows[0]?.id ?? null;
  }

  /**
   * Adds to several users' token counters in one statement (a user named twice counts twice),
   * so concurrent writers never lose an update; rows are locked in id order, so two instances'
   * batches never deadlock. The counters belong to the UTC day (and month) in
   * tokens_reset_date; the first use on a later day starts them again from zero, using the
   * database's clock as the one clock. The counters after, by user; users gone are absent.
   */
  async addTokensUsed(
    usage: ReadonlyArray<{ userId: string; tokens: number }>,
  ): Promise<Map<string, TokenUsage>> {
    const rows = await this.prepared.query<Array<TokenUsage & { id: string }>>(
      'user_add_tokens',
      `WITH clock AS (SELECT (now() AT TIME ZONE 'UTC')::date AS today),
       given AS (
         SELECT id, sum(tokens)::int AS tokens
         FROM unnest($1::uuid[], $2::int[]) AS g (id, tokens) GROUP BY id),
       locked AS (
         SELECT u.id FROM app_user u JOIN given g ON g.id = u.id ORDER BY u.id FOR UPDATE OF u)
       UPDATE app_user u SET
         tokens_used_today =
           CASE WHEN u.tokens_reset_date = clock.today THEN u.tokens_used_today ELSE 0 END
           + g.tokens,
         tokens_used_month =
           CASE WHEN date_trunc('month', u.tokens_reset_date) = date_trunc('month', clock.today)
             THEN u.tokens_used_month ELSE 0 END + g.tokens,
         tokens_reset_date = clock.today
       FROM clock, given g, locked l
       WHERE u.id = l.id AND g.id = l.id
       RETURNING u.id, u.tokens_used_today AS today, u.tokens_used_month AS month`,
      [usage.map((entry) => entry.userId), usage.map((entry) => entry.tokens)],
    );
    return new Map(rows.map(({ id, today, month }) => [id, { today, month }]));
  }
}
