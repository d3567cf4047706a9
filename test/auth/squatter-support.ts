/** An account someone registered with another person's address, and what they made on it. */
import { expect } from '@jest/globals';
import { openChat, publicCharacter } from '../chat/chat-support.js';
import type { RegisteredUser } from '../support/auth.js';
import type { TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

export interface SquatterContent {
  personaId: string;
  characterId: string;
  chatId: string;
}

/** A persona, a private character, a chat (adopted from a guest session) and a display name. */
export async function plantSquatterContent(
  t: TestApp,
  squatter: RegisteredUser,
): Promise<SquatterContent> {
  const auth = { Authorization: `Bearer ${squatter.token}` };
  const persona = await t.http
    .post('/api/personas')
    .set(auth)
    .send({ name: 'Owner (really the squatter)', is_default: true })
    .expect(201);
  const character = await t.http
    .post('/api/characters')
    .set(auth)
    .send({ name: 'Squatter draft' })
    .expect(201);
  const author = await createUser(t);
  const chatId = await openChat(t, auth, (await publicCharacter(t, author)).id);
  await t.dataSource.query(`UPDATE app_user SET display_name = 'Squatter' WHERE id = $1`, [
    squatter.user.id,
  ]);
  await rowCachesCaughtUp(t);
  return { personaId: persona.body.id, characterId: character.body.id, chatId };
}

/**
 * The owner's account (`token`) shows nothing the squatter made, and the squatter's account
 * kept it all, disabled, without a way in.
 */
export async function expectLeftBehind(
  t: TestApp,
  token: string,
  squatter: RegisteredUser,
  content: SquatterContent,
): Promise<void> {
  const auth = { Authorization: `Bearer ${token}` };
  const me = (await t.http.get('/api/auth/me').set(auth).expect(200)).body;
  expect(me.id).not.toBe(squatter.user.id);
  expect(me.email).toBe(squatter.email);
  expect(me.display_name).not.toBe('Squatter');
  expect((await t.http.get('/api/personas').set(auth).expect(200)).body).toEqual([]);
  expect((await t.http.get('/api/chats').set(auth).expect(200)).body.items).toEqual([]);
  for (const path of [`/api/personas/${content.personaId}`, `/api/chats/${content.chatId}`]) {
    expect((await t.http.get(path).set(auth)).status).toBe(404);
  }
  const [owned] = await t.dataSource.query(
    `SELECT count(*)::int AS n FROM character WHERE owner_id = $1`,
    [me.id],
  );
  expect(owned.n).toBe(0);

  // Nothing was destroyed: it all stays with the released account, which nobody can use.
  const [released] = await t.dataSource.query(
    `SELECT email, released_email, released_at, disabled_at, password_hash, display_name,
            (SELECT count(*)::int FROM persona WHERE user_id = u.id) AS personas,
            (SELECT count(*)::int FROM character WHERE owner_id = u.id) AS characters,
            (SELECT count(*)::int FROM chat WHERE user_id = u.id) AS chats
     FROM app_user u WHERE id = $1`,
    [squatter.user.id],
  );
  expect(released).toEqual({
    email: expect.stringMatching(/^released-[0-9a-f-]{36}@released\.invalid$/),
    released_email: squatter.email,
    released_at: expect.any(Date),
    disabled_at: expect.any(Date),
    password_hash: null,
    display_name: 'Squatter',
    personas: 1,
    characters: 1,
    chats: 1,
  });
  const old = await t.http.get('/api/auth/me').set({ Authorization: `Bearer ${squatter.token}` });
  expect(old.status).toBe(401);
  const login = await t.http
    .post('/api/auth/login')
    .set({ 'Accept-Language': 'en' })
    .send({ email: squatter.email, password: squatter.password });
  expect(login.status).toBe(401);
}
