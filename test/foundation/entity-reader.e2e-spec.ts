import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { UserEntity } from '../../src/auth/entities/user.entity.js';
import { CharacterEntity } from '../../src/characters/entities/character.entity.js';
import { EntityReader } from '../../src/database/entity-reader.js';
import { publicCharacter } from '../chat/chat-support.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

describe('EntityReader', () => {
  let t: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await createUser(t, { adult: true });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('loads the same entity as a TypeORM find: every column, converted the same way', async () => {
    const { id, slug } = await publicCharacter(t, owner, { tags: ['dnd'], content_rating: 'nsfw' });
    await t.dataSource.query(
      `UPDATE character SET character_book = '{"entries":[{"keys":["x"],"content":"y"}]}'
       WHERE id = $1`,
      [id],
    );
    await rowCachesCaughtUp(t);
    const characters = new EntityReader(t.dataSource, CharacterEntity);
    const expected = await t.dataSource.getRepository(CharacterEntity).findOneBy({ id });
    expect(await characters.findOneBy('id', id)).toEqual(expected);
    expect(await characters.findOneBy('slug', slug)).toBeInstanceOf(CharacterEntity);

    const users = new EntityReader(t.dataSource, UserEntity);
    const user = await users.findOneBy('id', owner.id);
    expect(user).toEqual(await t.dataSource.getRepository(UserEntity).findOneBy({ id: owner.id }));
    expect(user?.adultConfirmedAt).toBeInstanceOf(Date);
  });

  it('finds nothing for an unknown key, and skips soft-deleted rows as a find does', async () => {
    const characters = new EntityReader(t.dataSource, CharacterEntity);
    expect(await characters.findOneBy('id', randomUUID())).toBeNull();
    const { id } = await publicCharacter(t, owner);
    await t.dataSource.query(`UPDATE character SET deleted_at = now() WHERE id = $1`, [id]);
    await rowCachesCaughtUp(t);
    expect(await characters.findOneBy('id', id)).toBeNull();
  });
});
