import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OneConversationEngine1763808500000 } from '../../migrations/1763808500000-OneConversationEngine.js';
import { migrations } from '../../migrations/index.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { entities } from '../../src/database/entities.js';
import {
  createTestDatabase,
  databaseUrl,
  dropTestDatabase,
  testServerUrl,
  withServerClient,
} from '../support/database.js';

// Migrations after this one (if any) are left out: the data goes in through the old schema.
const engineAt = migrations.indexOf(OneConversationEngine1763808500000);
const beforeEngine = migrations.slice(0, engineAt);
const throughEngine = migrations.slice(0, engineAt + 1);

type Row = Record<string, unknown>;

/** An empty database, migrated with `list`; `open` gives another data source on it. */
async function migratedDatabase(list: Function[]) {
  const name = `app_test_engine_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withServerClient((client) => client.query(`CREATE DATABASE "${name}"`));
  const open = async (migrationList: Function[]): Promise<DataSource> => {
    const dataSource = new DataSource({
      ...dataSourceOptions({
        url: databaseUrl(testServerUrl(), name),
        poolSize: 2,
        statementTimeoutMs: 30000,
        embeddedPort: 0,
      }),
      migrations: migrationList,
    });
    return dataSource.initialize();
  };
  const dataSource = await open(list);
  await dataSource.runMigrations();
  return { name, dataSource, open };
}

const tables = async (dataSource: DataSource): Promise<string[]> =>
  (
    await dataSource.query<{ tablename: string }[]>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    )
  ).map((row) => row.tablename);

const columnsOf = async (dataSource: DataSource, table: string): Promise<string[]> =>
  (
    await dataSource.query<{ column_name: string }[]>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name`,
      [table],
    )
  ).map((row) => row.column_name);

const withoutId = ({ id: _id, ...rest }: Row): Row => rest;

interface OldData {
  directChats: Row[];
  messages: Row[];
  groupChats: Row[];
  groupMembers: Row[];
  groupMessages: Row[];
}

interface Fixture {
  /** Chat id → its character. */
  directCharacter: Map<string, string>;
  groupIds: string[];
  /** Group chat id → its characters in speaking order. */
  groupMembers: Map<string, string[]>;
  inFlightGroupId: string;
}

/** Users, characters, direct and group chats with their messages, written into the old tables. */
async function fillOldSchema(db: DataSource): Promise<Fixture> {
  const one = async (sql: string, params: unknown[]): Promise<string> =>
    ((await db.query<{ id: string }[]>(sql, params))[0] as { id: string }).id;
  const user = (email: string) =>
    one(`INSERT INTO app_user (email) VALUES ($1) RETURNING id`, [email]);
  const alice = await user('alice@example.com');
  const bob = await user('bob@example.com');
  const characters: string[] = [];
  for (const name of ['Mara', 'Tobin', 'Quill', 'Vex']) {
    characters.push(
      await one(`INSERT INTO character (slug, owner_id, name) VALUES ($1, $2, $3) RETURNING id`, [
        `${name.toLowerCase()}-${randomUUID().slice(0, 8)}`,
        alice,
        name,
      ]),
    );
  }
  const [mara, tobin, quill, vex] = characters as [string, string, string, string];

  const chat = (values: Row) =>
    one(
      `INSERT INTO chat (user_id, character_id, anon_session_id, persona_name, persona_description,
                         title, language, summary, summarized_through_id, message_count,
                         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        values.user,
        values.character,
        values.anon ?? null,
        values.personaName ?? null,
        values.personaDescription ?? null,
        values.title ?? null,
        values.language ?? 'en',
        values.summary ?? null,
        values.summarizedThrough ?? null,
        values.count,
        values.createdAt,
        values.updatedAt,
      ],
    );
  const tavern = await chat({
    user: alice,
    character: mara,
    personaName: 'Ann',
    personaDescription: 'A tired courier',
    title: 'Tavern',
    language: 'de',
    summary: 'Ann walked in.',
    summarizedThrough: 1,
    count: 6,
    createdAt: new Date('2025-01-02T10:00:00Z'),
    updatedAt: new Date('2025-01-02T11:00:00Z'),
  });
  const guest = await chat({
    user: bob,
    character: tobin,
    anon: randomUUID(),
    count: 3,
    createdAt: new Date('2025-01-03T10:00:00Z'),
    updatedAt: new Date('2025-01-03T10:30:00Z'),
  });
  const quiet = await chat({
    user: alice,
    character: quill,
    count: 0,
    createdAt: new Date('2025-01-04T10:00:00Z'),
    updatedAt: new Date('2025-01-04T10:00:00Z'),
  });

  const groupChat = (values: Row) =>
    one(
      `INSERT INTO group_chat (user_id, title, language, message_count, reply_claim,
                               reply_heartbeat_at, reply_instance, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        values.user,
        values.title ?? null,
        values.language ?? 'en',
        values.count,
        values.claim ?? null,
        values.claim ? new Date() : null,
        values.claim ? randomUUID() : null,
        values.createdAt,
        values.updatedAt,
      ],
    );
  // A round in flight: its claim does not survive the move.
  const heist = await groupChat({
    user: alice,
    title: 'The heist',
    language: 'fr',
    count: 5,
    claim: randomUUID(),
    createdAt: new Date('2025-02-01T09:00:00Z'),
    updatedAt: new Date('2025-02-01T09:40:00Z'),
  });
  const camp = await groupChat({
    user: bob,
    count: 3,
    createdAt: new Date('2025-02-02T09:00:00Z'),
    updatedAt: new Date('2025-02-02T09:20:00Z'),
  });
  const ruin = await groupChat({
    user: alice,
    title: 'Ruins',
    count: 1,
    createdAt: new Date('2025-02-03T09:00:00Z'),
    updatedAt: new Date('2025-02-03T09:05:00Z'),
  });
  // Positions with gaps (characters deleted by hand), inserted out of order.
  const members: Array<[string, number, string]> = [
    [heist, 2, quill],
    [heist, 0, mara],
    [heist, 1, tobin],
    [camp, 2, tobin],
    [camp, 0, vex],
    [ruin, 1, quill],
  ];
  for (const [groupId, position, characterId] of members) {
    await db.query(
      `INSERT INTO group_chat_member (group_chat_id, position, character_id) VALUES ($1, $2, $3)`,
      [groupId, position, characterId],
    );
  }

  // Direct and group messages interleaved, so their ids collide and each group chat's ids
  // have gaps. created_at falls as ids grow: only the old ids carry the order.
  type Script = {
    chat: string;
    group?: true;
    role: 'user' | 'assistant' | 'system';
    by?: string | null;
    content: string;
    stopped?: true;
    model?: string;
    tokens?: [number, number];
    dice?: unknown;
  };
  const script: Script[] = [
    { chat: tavern, role: 'assistant', content: 'Welcome to the Rusty Anchor.' },
    { chat: heist, group: true, role: 'user', content: 'We rob the bank at dawn.' },
    { chat: camp, group: true, role: 'user', content: 'Anyone awake?' },
    { chat: tavern, role: 'user', content: 'A pint, please.' },
    {
      chat: heist,
      group: true,
      role: 'assistant',
      by: mara,
      content: 'I pick the lock.',
      model: 'openrouter/alpha',
      tokens: [120, 40],
    },
    {
      chat: camp,
      group: true,
      role: 'assistant',
      by: vex,
      content: 'Always.',
      model: 'openrouter/beta',
      tokens: [90, 3],
    },
    {
      chat: heist,
      group: true,
      role: 'assistant',
      by: tobin,
      content: 'I keep wat',
      stopped: true,
      model: 'openrouter/alpha',
      tokens: [130, 12],
    },
    {
      chat: tavern,
      role: 'assistant',
      content: 'Here you go.',
      model: 'openrouter/gamma',
      tokens: [200, 30],
      dice: [{ notation: '1d20', total: 14 }],
    },
    { chat: guest, role: 'user', content: 'Hello?' },
    {
      chat: heist,
      group: true,
      role: 'assistant',
      by: quill,
      content: 'And I drive.',
      model: 'local/delta',
      tokens: [150, 20],
    },
    {
      chat: camp,
      group: true,
      role: 'assistant',
      by: tobin,
      content: 'Mm.',
      model: 'openrouter/beta',
      tokens: [95, 2],
    },
    { chat: guest, role: 'system', content: 'The story so far.' },
    { chat: tavern, role: 'user', content: 'Another.' },
    // Its character row was deleted by hand: ON DELETE SET NULL left the speaker empty.
    {
      chat: ruin,
      group: true,
      role: 'assistant',
      by: null,
      content: 'A voice from nowhere.',
      model: 'local/delta',
      tokens: [60, 5],
    },
    { chat: heist, group: true, role: 'user', content: 'Go!' },
    {
      chat: tavern,
      role: 'assistant',
      content: 'Coming ri',
      stopped: true,
      model: 'openrouter/gamma',
      tokens: [210, 4],
    },
    {
      chat: guest,
      role: 'assistant',
      content: 'Hi, stranger.',
      model: 'openrouter/gamma',
      tokens: [80, 4],
    },
  ];
  const firstAt = Date.parse('2025-03-01T12:00:00Z');
  for (const [i, m] of script.entries()) {
    const common = [m.role, m.content, m.stopped ? 'stopped' : 'complete', m.model ?? null];
    const tokens = [m.tokens?.[0] ?? null, m.tokens?.[1] ?? null];
    const createdAt = new Date(firstAt - i * 60_000);
    if (m.group) {
      await db.query(
        `INSERT INTO group_message (group_chat_id, character_id, role, content, status, model_used,
                                    prompt_tokens, completion_tokens, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [m.chat, m.by ?? null, ...common, ...tokens, createdAt],
      );
    } else {
      await db.query(
        `INSERT INTO message (chat_id, role, content, status, model_used, prompt_tokens,
                              completion_tokens, dice_rolls, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [m.chat, ...common, ...tokens, m.dice ? JSON.stringify(m.dice) : null, createdAt],
      );
    }
  }
  // Rewrite each group chat's first message, so it is stored after the others: a copy in
  // storage order instead of id order would put it last.
  await db.query(
    `UPDATE group_message SET content = content
     WHERE id IN (SELECT min(id) FROM group_message GROUP BY group_chat_id)`,
  );

  return {
    directCharacter: new Map([
      [tavern, mara],
      [guest, tobin],
      [quiet, quill],
    ]),
    groupIds: [heist, camp, ruin],
    groupMembers: new Map([
      [heist, [mara, tobin, quill]],
      [camp, [vex, tobin]],
      [ruin, [quill]],
    ]),
    inFlightGroupId: heist,
  };
}

const readOldData = async (db: DataSource): Promise<OldData> => ({
  directChats: await db.query(`SELECT * FROM chat ORDER BY id`),
  messages: await db.query(`SELECT * FROM message ORDER BY id`),
  groupChats: await db.query(`SELECT * FROM group_chat ORDER BY id`),
  groupMembers: await db.query(`SELECT * FROM group_chat_member ORDER BY group_chat_id, position`),
  groupMessages: await db.query(`SELECT * FROM group_message ORDER BY group_chat_id, id`),
});

/** Every chat's members in speaking order, as [chat_id, position, character_id]. */
const chatMembers = async (db: DataSource): Promise<Array<[string, number, string]>> =>
  (await db.query<Row[]>(`SELECT * FROM chat_member ORDER BY chat_id, position`)).map((row) => [
    row.chat_id as string,
    row.position as number,
    row.character_id as string,
  ]);

describe('OneConversationEngine1763808500000', () => {
  let name: string;
  let open: (list: Function[]) => Promise<DataSource>;
  let db: DataSource;
  let fixture: Fixture;
  let old: OldData;
  let oldTables: string[];

  beforeAll(async () => {
    const database = await migratedDatabase(beforeEngine);
    name = database.name;
    open = database.open;
    fixture = await fillOldSchema(database.dataSource);
    old = await readOldData(database.dataSource);
    oldTables = await tables(database.dataSource);
    await database.dataSource.destroy();
    db = await open(throughEngine);
    await db.runMigrations();
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    if (name) await dropTestDatabase(name);
  });

  const groupMessagesAfter = async (): Promise<Row[]> =>
    db.query(`SELECT * FROM message WHERE chat_id = ANY($1::uuid[]) ORDER BY chat_id, id`, [
      fixture.groupIds,
    ]);
  /** What each old group message must have become (the new id aside), in the same order. */
  const expectedGroupMessages = (): Row[] =>
    old.groupMessages.map((m) => ({
      chat_id: m.group_chat_id,
      role: m.role,
      character_id: m.character_id,
      content: m.content,
      status: m.status,
      model_used: m.model_used,
      prompt_tokens: m.prompt_tokens,
      completion_tokens: m.completion_tokens,
      dice_rolls: null,
      encounter_state: null,
      lorebook_entries: null,
      created_at: m.created_at,
    }));

  it('was filled through the old schema as intended', () => {
    expect(old.directChats).toHaveLength(3);
    expect(old.messages).toHaveLength(8);
    expect(old.groupChats).toHaveLength(3);
    expect(old.groupMessages).toHaveLength(9);
    expect(old.groupChats).toContainEqual(
      expect.objectContaining({ title: 'The heist', language: 'fr' }),
    );
    // Both identities started at 1, so the ids collide.
    expect(old.groupMessages.map((m) => m.id)).toEqual(
      expect.arrayContaining(old.messages.map((m) => m.id).slice(0, 3)),
    );
  });

  it('turns every group chat into a chat with the same id, and keeps every direct chat as it was', async () => {
    expect(await db.query(`SELECT count(*)::int AS n FROM chat`)).toEqual([
      { n: old.directChats.length + old.groupChats.length },
    ]);
    expect(await db.query(`SELECT * FROM chat WHERE kind = 'direct' ORDER BY id`)).toEqual(
      old.directChats.map((chat) => ({ ...chat, kind: 'direct' })),
    );

    expect(await db.query(`SELECT * FROM chat WHERE kind = 'group' ORDER BY id`)).toEqual(
      old.groupChats.map((g) => ({
        id: g.id,
        user_id: g.user_id,
        character_id: fixture.groupMembers.get(g.id as string)?.[0],
        kind: 'group',
        persona_name: null,
        persona_description: null,
        anon_session_id: null,
        campaign_id: null,
        title: g.title,
        language: g.language,
        summary: null,
        summarized_through_id: null,
        message_count: g.message_count,
        created_at: g.created_at,
        updated_at: g.updated_at,
      })),
    );
  });

  it('gives each direct chat its character as member 0, and each group chat its members renumbered in order', async () => {
    const expected: Array<[string, number, string]> = [
      ...[...fixture.directCharacter].map(([chatId, characterId]): [string, number, string] => [
        chatId,
        0,
        characterId,
      ]),
      ...[...fixture.groupMembers].flatMap(([chatId, characterIds]) =>
        characterIds.map((characterId, position): [string, number, string] => [
          chatId,
          position,
          characterId,
        ]),
      ),
    ].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    expect(await chatMembers(db)).toEqual(expected);
  });

  it('keeps direct messages (ids too) and names their speaker: the chat character for assistant messages, nobody for the rest', async () => {
    expect(await db.query(`SELECT count(*)::int AS n FROM message`)).toEqual([
      { n: old.messages.length + old.groupMessages.length },
    ]);
    const direct = [...fixture.directCharacter.keys()];
    expect(
      await db.query(`SELECT * FROM message WHERE chat_id = ANY($1::uuid[]) ORDER BY id`, [direct]),
    ).toEqual(
      old.messages.map((m) => ({
        ...m,
        character_id:
          m.role === 'assistant' ? fixture.directCharacter.get(m.chat_id as string) : null,
      })),
    );
  });

  it('moves every group message into its chat, in the old order, with its speaker, status, model, tokens and time', async () => {
    const moved = await groupMessagesAfter();
    expect(moved.map(withoutId)).toEqual(expectedGroupMessages());
    expect(new Set(moved.map((m) => m.id)).size).toBe(moved.length);
    // The stopped reply and the speaker-less one came along as they were.
    expect(moved.filter((m) => m.status === 'stopped').map((m) => m.content)).toEqual([
      'I keep wat',
    ]);
    expect(moved.find((m) => m.content === 'A voice from nowhere.')).toMatchObject({
      role: 'assistant',
      character_id: null,
    });
  });

  it('drops in-flight group claims and the group tables', async () => {
    expect(
      await db.query(`SELECT * FROM chat_generation WHERE chat_id = $1`, [fixture.inFlightGroupId]),
    ).toEqual([]);
    expect((await tables(db)).sort()).toEqual(
      [...oldTables.filter((t) => !t.startsWith('group_')), 'chat_member'].sort(),
    );
  });

  it('refuses a user message with a speaker, and a fourth member', async () => {
    const [chatId, characterIds] = [...fixture.groupMembers][1] as [string, string[]];
    await expect(
      db.query(
        `INSERT INTO message (chat_id, role, character_id, content) VALUES ($1, 'user', $2, 'x')`,
        [chatId, characterIds[0]],
      ),
    ).rejects.toThrow('ck_message_character');
    await expect(
      db.query(`INSERT INTO chat_member (chat_id, position, character_id) VALUES ($1, 3, $2)`, [
        chatId,
        [...fixture.directCharacter.values()][0],
      ]),
    ).rejects.toThrow('ck_chat_member_position');
  });

  it('goes down to the old tables with the same data, and up again to the same result', async () => {
    const up = {
      chats: await db.query<Row[]>(`SELECT * FROM chat ORDER BY id`),
      members: await chatMembers(db),
      groupMessages: (await groupMessagesAfter()).map(withoutId),
    };

    await db.undoLastMigration();
    expect(await tables(db)).toEqual(oldTables);
    expect(await db.query(`SELECT * FROM chat ORDER BY id`)).toEqual(old.directChats);
    expect(await db.query(`SELECT * FROM message ORDER BY id`)).toEqual(old.messages);
    expect(await columnsOf(db, 'chat')).not.toContain('kind');
    // The round in flight is not restored; positions stay renumbered.
    expect(await db.query(`SELECT * FROM group_chat ORDER BY id`)).toEqual(
      old.groupChats.map((g) => ({
        ...g,
        reply_claim: null,
        reply_heartbeat_at: null,
        reply_instance: null,
      })),
    );
    expect(
      await db.query(
        `SELECT group_chat_id, position, character_id FROM group_chat_member
         ORDER BY group_chat_id, position`,
      ),
    ).toEqual(
      [...fixture.groupMembers]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .flatMap(([chatId, characterIds]) =>
          characterIds.map((characterId, position) => ({
            group_chat_id: chatId,
            position,
            character_id: characterId,
          })),
        ),
    );
    expect(
      (await db.query<Row[]>(`SELECT * FROM group_message ORDER BY group_chat_id, id`)).map(
        withoutId,
      ),
    ).toEqual(old.groupMessages.map(withoutId));

    await db.runMigrations();
    expect(await db.query(`SELECT * FROM chat ORDER BY id`)).toEqual(up.chats);
    expect(await chatMembers(db)).toEqual(up.members);
    expect((await groupMessagesAfter()).map(withoutId)).toEqual(up.groupMessages);
  });
});

describe('OneConversationEngine1763808500000 with a group chat that has no members', () => {
  let name: string;
  let db: DataSource;

  afterAll(async () => {
    await db?.destroy();
    if (name) await dropTestDatabase(name);
  });

  it('stops, naming how many, and changes nothing', async () => {
    const database = await migratedDatabase(beforeEngine);
    name = database.name;
    const old = database.dataSource;
    const [{ id: userId }] = await old.query(
      `INSERT INTO app_user (email) VALUES ('carol@example.com') RETURNING id`,
    );
    const [{ id: characterId }] = await old.query(
      `INSERT INTO character (slug, owner_id, name) VALUES ('nix', $1, 'Nix') RETURNING id`,
      [userId],
    );
    const groups = await old.query<{ id: string }[]>(
      `INSERT INTO group_chat (user_id) VALUES ($1), ($1), ($1) RETURNING id`,
      [userId],
    );
    await old.query(
      `INSERT INTO group_chat_member (group_chat_id, position, character_id) VALUES ($1, 0, $2)`,
      [groups[0]?.id, characterId],
    );
    await old.destroy();

    db = await database.open(throughEngine);
    await expect(db.runMigrations()).rejects.toThrow(
      '2 group chat(s) have no members and cannot become chats',
    );
    expect(await db.showMigrations()).toBe(true);
    expect(await db.query(`SELECT count(*)::int AS n FROM group_chat`)).toEqual([{ n: 3 }]);
    expect(await columnsOf(db, 'chat')).not.toContain('kind');
    expect(await tables(db)).not.toContain('chat_member');
  });
});

describe('the chat schema after all migrations', () => {
  let database: { name: string; url: string };
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await new DataSource(
      dataSourceOptions(
        { url: database.url, poolSize: 2, statementTimeoutMs: 30000, embeddedPort: 0 },
        entities,
      ),
    ).initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    if (database) await dropTestDatabase(database.name);
  });

  const chatTables = ['chat', 'chat_member', 'message', 'chat_generation'];

  it('is what the entities describe: TypeORM finds nothing to change but what entities leave to migrations', async () => {
    const { upQueries } = await db.driver.createSchemaBuilder().log();
    // Entities declare neither foreign keys nor indexes (migrations own them, checked below);
    // TypeORM would drop those, and nothing else may differ on the chat tables.
    const pending = upQueries
      .map((q) => q.query)
      .filter((q) => !/^ALTER TABLE "\w+" DROP CONSTRAINT "fk_\w+"$/.test(q))
      .filter((q) => !/^DROP INDEX "public"\."\w+"$/.test(q))
      .filter((q) => chatTables.some((table) => q.includes(`"${table}"`)));
    expect(pending).toEqual([]);
  });

  it('has the constraints and indexes of the design, by name', async () => {
    const constraints = await db.query<Row[]>(
      `SELECT conrelid::regclass::text AS "table", conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint
       WHERE conrelid IN ('chat'::regclass, 'chat_member'::regclass, 'message'::regclass)
         AND conname IN ('ck_chat_kind', 'pk_chat_member', 'uq_chat_member_character',
                         'fk_chat_member_chat', 'fk_chat_member_character',
                         'ck_chat_member_position', 'fk_message_character', 'ck_message_character',
                         'fk_chat_character')
       ORDER BY conname`,
    );
    expect(constraints).toEqual([
      {
        table: 'chat',
        name: 'ck_chat_kind',
        def: `CHECK ((kind = ANY (ARRAY['direct'::text, 'group'::text])))`,
      },
      {
        table: 'chat_member',
        name: 'ck_chat_member_position',
        def: 'CHECK ((("position" >= 0) AND ("position" <= 2)))',
      },
      {
        table: 'message',
        name: 'ck_message_character',
        def: `CHECK (((role <> 'user'::text) OR (character_id IS NULL)))`,
      },
      {
        table: 'chat',
        name: 'fk_chat_character',
        def: 'FOREIGN KEY (character_id) REFERENCES "character"(id) ON DELETE CASCADE',
      },
      {
        table: 'chat_member',
        name: 'fk_chat_member_character',
        def: 'FOREIGN KEY (character_id) REFERENCES "character"(id) ON DELETE CASCADE',
      },
      {
        table: 'chat_member',
        name: 'fk_chat_member_chat',
        def: 'FOREIGN KEY (chat_id) REFERENCES chat(id) ON DELETE CASCADE',
      },
      {
        table: 'message',
        name: 'fk_message_character',
        def: 'FOREIGN KEY (character_id) REFERENCES "character"(id) ON DELETE SET NULL',
      },
      { table: 'chat_member', name: 'pk_chat_member', def: 'PRIMARY KEY (chat_id, "position")' },
      {
        table: 'chat_member',
        name: 'uq_chat_member_character',
        def: 'UNIQUE (chat_id, character_id)',
      },
    ]);

    const indexes = await db.query<Row[]>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
       WHERE indexname IN ('ix_chat_group_recent', 'ix_chat_member_character', 'ix_message_character')
       ORDER BY indexname`,
    );
    expect(indexes).toEqual([
      {
        name: 'ix_chat_group_recent',
        def: `CREATE INDEX ix_chat_group_recent ON public.chat USING btree (user_id, updated_at DESC, id DESC) WHERE (kind = 'group'::text)`,
      },
      {
        name: 'ix_chat_member_character',
        def: 'CREATE INDEX ix_chat_member_character ON public.chat_member USING btree (character_id)',
      },
      {
        name: 'ix_message_character',
        def: 'CREATE INDEX ix_message_character ON public.message USING btree (character_id) WHERE (character_id IS NOT NULL)',
      },
    ]);
  });
});
