import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthTokenService } from '../../src/auth/auth-token.service.js';
import { UsersService } from '../../src/auth/users.service.js';
import type { TestApp } from './test-app.js';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  /** `{ Authorization: 'Bearer …' }` for supertest's `.set()`. */
  auth: { Authorization: string };
}

/**
 * A user inserted straight into the database with a valid token, for tests of modules other
 * than auth (which tests sign-up itself, proof of work and all). Takes an e2e TestApp or a
 * medium module that imports AuthModule.
 */
export async function createUser(
  t: Pick<TestApp, 'dataSource'> & { app: INestApplicationContext },
  options: {
    role?: 'user' | 'admin';
    tier?: 'free' | 'premium' | 'admin';
    adult?: boolean;
    email?: string;
  } = {},
): Promise<TestUser> {
  const email = options.email ?? `user-${randomUUID()}@example.test`;
  const role = options.role ?? 'user';
  const tier = options.tier ?? (role === 'admin' ? 'admin' : 'free');
  const [{ id }] = await t.dataSource.query<{ id: string }[]>(
    `INSERT INTO app_user (email, role, tier, adult_confirmed_at)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [email, role, tier, options.adult ? new Date() : null],
  );
  const user = (await t.app.get(UsersService).findById(id))!;
  const { access_token: token } = await t.app.get(AuthTokenService).issue(user);
  return { id, email, token, auth: { Authorization: `Bearer ${token}` } };
}
