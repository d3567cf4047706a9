import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ChatService } from '../../../src/chat/chat.service.js';
import { StoryService } from '../../../src/chat/story.service.js';
import {
  EMBED_MAX_CHARS,
  EMBED_WINDOW,
  MessageEmbedder,
} from '../../../src/chat/memory/message-embedder.service.js';
import { MessageEmbeddingRepository } from '../../../src/chat/memory/message-embedding.repository.js';
import { JobQueue } from '../../../src/common/jobs/job-queue.service.js';
import { MAX_EMBEDDING_INPUTS } from '../../../src/llm/embeddings/embeddings.service.js';
import { eventually, publicCharacter } from '../../chat/chat-support.js';
import { fakeEmbedding, startFakeLlm, type FakeLlm } from '../../support/fake-llm.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { appendToPath } from '../../support/messages.js';
import { createUser, type TestUser } from '../../support/users.js';

/**
 * The background half of recall's re-ranking (issue #18 item 3): the `memory.embed` job stores
 * message vectors from the embeddings endpoint (the fake upstream, through the openai SDK), in
 * bounded windows and requests, again when a text or the model changes, never from stale text.
 */
describe('MessageEmbedder (medium)', () => {
  let fake: FakeLlm;
  let t: MediumModule;
  let embedder: MessageEmbedder;
  let jobs: JobQueue;
  let alice: TestUser;
  let characterId: string;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createMediumModule({
      imports: [ChatModule],
      env: { EMBEDDINGS_BASE_URL: fake.baseURL, EMBEDDINGS_MODEL: 'fake-embed' },
    });
    embedder = t.app.get(MessageEmbedder);
    jobs = t.app.get(JobQueue);
    const owner = await createUser(t);
    alice = await createUser(t);
    characterId = (await publicCharacter(t, owner, { name: 'Mira', greeting: '' })).id;
  });

  beforeEach(() => fake.reset());

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const newChat = async (lines: string[]): Promise<string> => {
    const { chat } = await t.app
      .get(ChatService)
      .create(
        { character_id: characterId, force_new: true },
        { user: { id: alice.id, email: alice.email, role: 'user', tier: 'free' } },
      );
    await appendToPath(
      t.dataSource,
      chat.id,
      lines.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content })),
    );
    return chat.id;
  };

  /** Queues the chat's pass as a reply does, and runs it (and what it queues) to the end. */
  const embedChat = async (chatId: string): Promise<void> => {
    embedder.trigger(chatId);
    await eventually(async () => (await jobs.runDue()) > 0);
  };

  const rowsOf = (chatId: string) =>
    t.dataSource.query<
      Array<{ id: string; content: string; embedding: number[] | null; model: string | null }>
    >(
      `SELECT id, content, embedding, embedding_model AS model FROM message
       WHERE chat_id = $1 ORDER BY id`,
      [chatId],
    );

  /** The chat's `memory.embed` jobs run so far. */
  const passesOf = async (chatId: string): Promise<number> =>
    (
      await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM job
         WHERE type = 'memory.embed' AND status = 'done' AND payload->>'chatId' = $1`,
        [chatId],
      )
    )[0].count;

  const embeddingRequests = () =>
    fake.requests
      .filter((request) => request.path === '/v1/embeddings')
      .map((request) => request.body as { model: string; input: string[] });

  it('embeds a long chat window by window, in bounded requests, each message once', async () => {
    const long = 'The lighthouse keeper wrote it all down. '.repeat(80);
    const lines = Array.from({ length: 300 }, (_, i) =>
      i === 5 ? '   ' : i === 7 ? long : `line ${i} by the harbour`,
    );
    const chatId = await newChat(lines);
    await embedChat(chatId);

    const requests = embeddingRequests();
    expect(requests.every((body) => body.model === 'fake-embed')).toBe(true);
    expect(requests.every((body) => body.input.length <= MAX_EMBEDDING_INPUTS)).toBe(true);
    const inputs = requests.flatMap((body) => body.input);
    // Every message with text once (the blank one never); the long one cut.
    expect(inputs).toHaveLength(299);
    expect(new Set(inputs).size).toBe(299);
    expect(inputs).toContain(long.slice(0, EMBED_MAX_CHARS));
    // Two windows: the newest EMBED_WINDOW, then the older rest, each its own job.
    const passes = await t.dataSource.query<Array<{ payload: { beforeId?: number } }>>(
      `SELECT payload FROM job WHERE type = 'memory.embed' AND status = 'done'
       AND payload->>'chatId' = $1 ORDER BY id`,
      [chatId],
    );
    expect(passes).toHaveLength(2);
    expect(passes[1].payload.beforeId).toEqual(expect.any(Number));
    expect(EMBED_WINDOW).toBeLessThan(300);

    const rows = await rowsOf(chatId);
    for (const row of rows) {
      if (row.content.trim() === '') {
        expect(row).toMatchObject({ embedding: null, model: null });
        continue;
      }
      expect(row.model).toBe('fake-embed');
      const expected = fakeEmbedding(row.content.slice(0, EMBED_MAX_CHARS));
      expect(row.embedding).toHaveLength(expected.length);
      row.embedding!.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
    }
  });

  it('embeds again what changed (an edit, another model) and stops where the chat is embedded', async () => {
    const chatId = await newChat(Array.from({ length: 300 }, (_, i) => `entry ${i} of the log`));
    await embedChat(chatId);
    const before = await rowsOf(chatId);
    const [edited, remodelled] = [before[20], before[280]];

    // A vector of another model is as good as none; the newest window has it, and as that
    // window's oldest message has a vector, the pass ends there.
    await t.dataSource.query(`UPDATE message SET embedding_model = 'old-model' WHERE id = $1`, [
      remodelled.id,
    ]);
    fake.reset();
    const passes = await passesOf(chatId);
    await embedChat(chatId);
    expect(embeddingRequests().map((body) => body.input)).toEqual([[remodelled.content]]);
    expect(await passesOf(chatId)).toBe(passes + 1);
    expect((await rowsOf(chatId))[280].model).toBe('fake-embed');

    // An edit far back clears the vector (tr_message_embedding_stale) and queues a pass there.
    fake.reset();
    await t.app.get(StoryService).edit(chatId, Number(edited.id), 'entry 20, rewritten', {
      user: { id: alice.id, email: alice.email, role: 'user', tier: 'free' },
    });
    expect((await rowsOf(chatId))[20]).toMatchObject({ embedding: null, model: null });
    await eventually(async () => (await jobs.runDue()) > 0);
    expect(embeddingRequests().map((body) => body.input)).toEqual([['entry 20, rewritten']]);
    expect((await rowsOf(chatId))[20].model).toBe('fake-embed');

    // Nothing left to embed: one look at the newest window, no request, no older pass.
    fake.reset();
    const finalPasses = await passesOf(chatId);
    await embedChat(chatId);
    expect(embeddingRequests()).toEqual([]);
    expect(await passesOf(chatId)).toBe(finalPasses + 1);
  });

  it('never stores a vector made from text that has changed since', async () => {
    const chatId = await newChat(['The key is under the mat.']);
    const [row] = (await rowsOf(chatId)).filter((r) => r.content.startsWith('The key'));
    const vectors = t.app.get(MessageEmbeddingRepository);
    const window = await vectors.window(chatId, null, 10, 'fake-embed', EMBED_MAX_CHARS);
    const pending = window.pending.find((message) => message.id === Number(row.id))!;
    await t.dataSource.query(`UPDATE message SET content = 'The key is gone.' WHERE id = $1`, [
      row.id,
    ]);
    expect(await vectors.save('fake-embed', [{ ...pending, embedding: [1, 2, 3] }])).toBe(0);
    expect((await rowsOf(chatId)).find((r) => r.id === row.id)).toMatchObject({
      embedding: null,
    });
  });

  it('leaves a failing endpoint to the queue: the job fails, is tried again, nothing stored', async () => {
    const chatId = await newChat(['Where is the compass?', 'In the chest.']);
    fake.onEmbedding(() => ({ fault: 'status', status: 503 }));
    await embedChat(chatId);
    const [job] = await t.dataSource.query<
      Array<{ status: string; attempts: number; last_error: string }>
    >(
      `SELECT status, attempts, last_error FROM job
       WHERE type = 'memory.embed' AND payload->>'chatId' = $1`,
      [chatId],
    );
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect(job.last_error).toContain('503');
    expect((await rowsOf(chatId)).every((row) => row.model === null)).toBe(true);
  });
});
