/** Helpers for tests that need accounts: proof of work, registration, sign-in. */
import { createHash, randomUUID } from 'node:crypto';
import type { TestApp } from './test-app.js';

/** What a browser sends; without it register/login wait AUTH_BOT_DELAY_MS. */
export const BROWSER_HEADERS = { 'Accept-Language': 'en-US,en;q=0.9' } as const;

/** For apps whose tests register and sign in freely: no rate limits, no bot delay. */
export const RELAXED_AUTH_ENV = { RATE_LIMIT_SCALE: '0', AUTH_BOT_DELAY_MS: '0' } as const;

/** Brute-forces a nonce, as the frontend does (~65k hashes at difficulty 4). */
export function solveChallenge(challenge: string, difficulty: number): string {
  const zeros = '0'.repeat(difficulty);
  for (let nonce = 0; ; nonce++) {
    const digest = createHash('sha256').update(`${challenge}${nonce}`).digest('hex');
    if (digest.startsWith(zeros)) return String(nonce);
  }
}

/** A fresh challenge and its solution. */
export async function solvedChallenge(
  t: Pick<TestApp, 'http'>,
): Promise<{ challenge: string; nonce: string }> {
  const { body } = await t.http.get('/api/auth/challenge').expect(200);
  return { challenge: body.challenge, nonce: solveChallenge(body.challenge, body.difficulty) };
}

export const uniqueEmail = (label = 'user'): string =>
  `${label}-${randomUUID().slice(0, 8)}@example.com`;

export interface RegisteredUser {
  email: string;
  password: string;
  token: string;
  user: { id: string; email: string; role: string; tier: string; [key: string]: unknown };
}

/** Registers through the API (solving the proof of work) and returns the token. */
export async function registerUser(
  t: Pick<TestApp, 'http'>,
  fields: { email?: string; password?: string } = {},
): Promise<RegisteredUser> {
  const email = fields.email ?? uniqueEmail();
  const password = fields.password ?? 'correct horse battery staple';
  const res = await t.http
    .post('/api/auth/register')
    .set(BROWSER_HEADERS)
    .send({ email, password, ...(await solvedChallenge(t)) });
  if (res.status !== 201) {
    throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { email, password, token: res.body.access_token, user: res.body.user };
}

export async function login(
  t: Pick<TestApp, 'http'>,
  email: string,
  password: string,
): Promise<string> {
  const res = await t.http
    .post('/api/auth/login')
    .set(BROWSER_HEADERS)
    .send({ email, password })
    .expect(200);
  return res.body.access_token;
}
