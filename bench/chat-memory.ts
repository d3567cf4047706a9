// The context build with memory and recall on (issue #18), printed by `npm run bench:chat`:
// a signed-in user's chat of 100 and of 100,000 messages, each prompt built as RoundRunner
// builds it — the latest 30 messages, the user's facts about the character (forPrompt, with
// its source check; sources early and late in the story), recall over the older messages
// (FullTextRetriever), the prompt around them. Targets: build p50 ratio 100,000 / 100 ≤ 1.5;
// recall ≤ 2 ms p50 at 100,000.
import 'reflect-metadata';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../migrations/index.js';
import { CharacterEntity } from '../src/characters/entities/character.entity.js';
import { ChatRepository } from '../src/chat/chat.repository.js';
import { CharacterMemoryRepository } from '../src/chat/memory/character-memory.repository.js';
import { FullTextRetriever } from '../src/chat/memory/full-text-retriever.js';
import { MessageRepository } from '../src/chat/message.repository.js';
import { PromptBuilderService } from '../src/chat/prompt/prompt-builder.service.js';
import { PromptTemplatesService } from '../src/chat/prompt/prompt-templates.service.js';
import { MemoryContextService } from '../src/chat/memory-context.service.js';
import { PromptTokens } from '../src/chat/prompt/prompt-tokens.js';
import { ReplyContextService } from '../src/chat/reply-context.service.js';
import { KeyValueEntity } from '../src/common/settings/key-value.entity.js';
import { KeyValueRepository } from '../src/common/settings/key-value.repository.js';
import { SettingsService } from '../src/common/settings/settings.service.js';
import { loadConfiguration } from '../src/config/configuration.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { TokenEstimator } from '../src/llm/usage/token-estimator.js';
import { appendToPath } from '../test/support/messages.js';
import { createBenchDatabase, fmt, printTable, smokeOr, summarize } from './lib.js';

const SIZES = [100, smokeOr(100_000, 5_000)] as const;
const SAMPLES = smokeOr(300, 30);
const WARM_UP = 30;
const WINDOW = 30;
const JWT_SECRET = 'bench-memory-secret-that-is-long-enough-0123456789';

const line = (i: number) =>
  i === 1
    ? 'My sister is called Yara and she keeps bees in Lisbon.'
    : `${'The rain drums on the shutters while Luna pours another cup. '.repeat(4)}${i}`;

export async function printChatMemoryCost(): Promise<void> {
  const database = await createBenchDatabase();
  const config = loadConfiguration({ DATABASE_URL: database.url, JWT_SECRET, DATA_DIR: '/tmp' });
  const dataSource = new DataSource({
    ...dataSourceOptions({ ...config.database, url: database.url }, [
      KeyValueEntity,
      CharacterEntity,
    ]),
    migrations,
  });
  const client = new pg.Client({ connectionString: database.url });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    await client.connect();
    const {
      rows: [user],
    } = await client.query<{ id: string }>(
      `INSERT INTO app_user (email) VALUES ('memory@bench.test') RETURNING id`,
    );
    const {
      rows: [character],
    } = await client.query<{ id: string }>(
      `INSERT INTO character (slug, owner_id, name, description, greeting, is_public, avatar_url,
                              languages)
       VALUES ('luna-memory', $1, 'Luna', 'A witty innkeeper.', 'Luna wipes the counter.', true,
               '/api/avatars/luna.png', '{en}') RETURNING id`,
      [user.id],
    );
    const memories = new CharacterMemoryRepository(dataSource);
    const chatIds: string[] = [];
    for (const size of SIZES) {
      const {
        rows: [chat],
      } = await client.query<{ id: string }>(
        `INSERT INTO chat (user_id, character_id, kind, language, message_count)
         VALUES ($1, $2, 'direct', 'en', 0) RETURNING id`,
        [user.id, character.id],
      );
      await client.query(
        `INSERT INTO chat_member (chat_id, position, character_id) VALUES ($1, 0, $2)`,
        [chat.id, character.id],
      );
      for (let start = 0; start < size; start += 10_000) {
        await appendToPath(
          client,
          chat.id,
          Array.from({ length: Math.min(10_000, size - start) }, (_, k) => {
            const i = start + k;
            return {
              role: i % 2 === 1 ? ('user' as const) : ('assistant' as const),
              content: line(i),
            };
          }),
        );
      }
      const {
        rows: [early, recent],
      } = await client.query<{ id: string }>(
        `SELECT id FROM message WHERE chat_id = $1 AND depth IN (2, $2) ORDER BY depth`,
        [chat.id, size - 50],
      );
      // Ten facts: five learned early in the story, five lately (as the extractor learns them,
      // from the newest messages): each source is checked to be on the active path.
      await memories.merge(
        { userId: user.id, characterId: character.id, chatId: chat.id, chatOnly: false },
        Array.from({ length: 10 }, (_, i) => ({
          text: `Fact ${i} of chat ${chatIds.length}: Yara keeps bees in Lisbon.`,
          kind: 'person' as const,
          importance: 3,
          sourceMessageIds: [Number((i < 5 ? early : recent).id)],
        })),
      );
      chatIds.push(chat.id);
    }
    await client.query(`ANALYZE`);

    const keyValues = new KeyValueRepository(dataSource.getRepository(KeyValueEntity));
    const settings = new SettingsService(keyValues);
    const prompts = new PromptBuilderService(new PromptTemplatesService(keyValues));
    const tokens = new PromptTokens(new TokenEstimator());
    const context = new ReplyContextService(
      prompts,
      settings,
      config,
      new MemoryContextService(prompts, tokens),
      tokens,
    );
    const chats = new ChatRepository(dataSource);
    const paths = new MessageRepository(dataSource);
    const retriever = new FullTextRetriever(dataSource);
    const luna = (await dataSource.getRepository(CharacterEntity).findOneBy({ id: character.id }))!;
    const builds: Record<number, ReturnType<typeof summarize>> = {};
    const recalls: Record<number, ReturnType<typeof summarize>> = {};
    const facts: Record<number, ReturnType<typeof summarize>> = {};
    for (const [index, size] of SIZES.entries()) {
      const { chat } = (await chats.findById(chatIds[index]))!;
      const leafId = Number(chat.leafId);
      const buildTimes: number[] = [];
      const recallTimes: number[] = [];
      const factTimes: number[] = [];
      const build = async (record: boolean) => {
        const started = performance.now();
        const history = await paths.contextMessages(chat.id, leafId, WINDOW);
        const factsStarted = performance.now();
        const known = await memories.forPrompt(user.id, character.id, chat.id, 20);
        const recallStarted = performance.now();
        const recalled = await retriever.recall({
          chatId: chat.id,
          text: 'How are the bees of my sister Yara doing in Lisbon?',
          beforeId: history[0].id,
          limit: 4,
        });
        const recallEnded = performance.now();
        await context.build({
          chat,
          character: luna,
          members: [luna],
          names: new Map([[luna.id, luna.name]]),
          history,
          messageCount: chat.messageCount,
          userIsAdult: false,
          facts: known,
          recalled,
        });
        if (!record) return;
        buildTimes.push(performance.now() - started);
        factTimes.push(recallStarted - factsStarted);
        recallTimes.push(recallEnded - recallStarted);
      };
      for (let i = 0; i < WARM_UP; i++) await build(false);
      for (let i = 0; i < SAMPLES; i++) await build(true);
      builds[size] = summarize(buildTimes);
      recalls[size] = summarize(recallTimes);
      facts[size] = summarize(factTimes);
    }
    printTable(
      `Context build with memory and recall (latest ${WINDOW} + facts + recall + prompt), ${SAMPLES} samples (ms)`,
      ['chat length', 'build p50', 'build p99', 'facts p50', 'recall p50', 'recall p99'],
      SIZES.map((size) => [
        size.toLocaleString('en'),
        fmt(builds[size].p50, 3),
        fmt(builds[size].p99, 3),
        fmt(facts[size].p50, 3),
        fmt(recalls[size].p50, 3),
        fmt(recalls[size].p99, 3),
      ]),
    );
    const [short, long] = SIZES;
    const ratio = builds[long].p50 / builds[short].p50;
    console.log(
      `\nmemory on: ${long.toLocaleString('en')} / ${short} build p50 ratio: ${fmt(ratio, 3)} (≤ 1.5: ${ratio <= 1.5 ? 'met' : 'MISSED'}); ` +
        `recall p50 at ${long.toLocaleString('en')}: ${fmt(recalls[long].p50, 3)} ms (≤ 2: ${recalls[long].p50 <= 2 ? 'met' : 'MISSED'})`,
    );
  } finally {
    await client.end().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  }
}

// Run alone: `npx tsx bench/chat-memory.ts` (or through bench/chat.ts).
if (import.meta.url === `file://${process.argv[1]}`) await printChatMemoryCost();
