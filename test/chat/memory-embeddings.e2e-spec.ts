import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MEMORY_EMBED_JOB } from '../../src/chat/memory/message-embedder.service.js';
import { JobQueue } from '../../src/common/jobs/job-queue.service.js';
import type { ChatMessage } from '../../src/llm/llm.types.js';
import { startFakeLlm, type FakeLlm, type RecordedRequest } from '../support/fake-llm.js';
import { appendToPath } from '../support/messages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import {
  llmEnv,
  openChat,
  publicCharacter,
  replyOf,
  send,
  stream,
  type ReplyEvent,
} from './chat-support.js';

type DoneEvent = ReplyEvent & { memory_used?: { messages: number[] } | null };

/** Ranked first by full text: the word four times. */
const WORDY = 'The lantern, the lantern, the brass lantern hangs in the lantern room.';
/** Ranked second by full text (the word once), but what the question means. */
const MEANT = 'I left the lantern under the upturned boat on the shore.';
const QUESTION = 'Where did I leave my lantern?';
/**
 * The same search in other words (stop words only): a vector is kept per text, so a test that
 * must see the endpoint asked (or not asked for another reason) asks one of these.
 */
const SAME_SEARCH = ['Where did I leave my lantern, then?', 'So where did I leave my lantern?'];
const LAST_SEARCH = 'Where did I leave my own lantern?';

/**
 * Recall re-ranked by embeddings (issue #18 item 3) through HTTP, with the fake upstream as
 * both the chat model and the embeddings endpoint: the prompt carries the passage closest in
 * meaning first once the background job has embedded the chat, and an embeddings endpoint that
 * fails or stalls costs the reply nothing but the re-ranking.
 */
describe('recall re-ranked by embeddings', () => {
  let llm: FakeLlm;
  let t: TestApp;
  let user: TestUser;
  let chatId: string;

  /** The question and the passage it means point one way, the wordy passage another. */
  const scriptVectors = () =>
    llm.onEmbedding(() => ({
      vector: (input) =>
        input === QUESTION || input === MEANT ? [1, 0, 0] : input === WORDY ? [0, 1, 0] : [0, 0, 1],
    }));

  beforeAll(async () => {
    llm = await startFakeLlm();
    t = await createTestApp({
      env: {
        ...llmEnv(llm),
        RATE_LIMIT_SCALE: '0',
        EMBEDDINGS_BASE_URL: llm.baseURL,
        EMBEDDINGS_MODEL: 'fake-embed',
        // The stalled endpoint is given up this soon (what it waits is not asserted).
        EMBEDDINGS_TIMEOUT_MS: '300',
      },
    });
    user = await createUser(t);
    const owner = await createUser(t);
    const character = await publicCharacter(t, owner, { name: 'Nell', greeting: 'Nell nods.' });
    chatId = await openChat(t, user.auth, character.id, { language: 'en' });
    // Both passages long before the free tier's 30-message window.
    await appendToPath(
      t.dataSource,
      chatId,
      Array.from({ length: 60 }, (_, i) => ({
        role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: i === 2 ? MEANT : i === 4 ? WORDY : `line ${i} about the tide and the gulls`,
      })),
    );
  });

  beforeEach(() => llm.reset());

  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });

  const embeddingRequests = () => llm.requests.filter((r) => r.path === '/v1/embeddings');
  const promptOf = (request: RecordedRequest): ChatMessage[] =>
    (request.body?.messages ?? []) as ChatMessage[];

  /** The recalled passages of the first prompt since the fake's last reset, in order. */
  const recalledOf = (): string[] => {
    const completion = llm.requests.find((r) => r.path === '/v1/chat/completions')!;
    const block = promptOf(completion).find((message) =>
      message.content.startsWith('From earlier in this story'),
    );
    return [WORDY, MEANT]
      .filter((passage) => block?.content.includes(passage))
      .sort((a, b) => block!.content.indexOf(a) - block!.content.indexOf(b));
  };

  /** Asks `question`; the recalled passages of its prompt in order, and its `done` event. */
  async function ask(question = QUESTION): Promise<{ recalled: string[]; done: DoneEvent }> {
    const { events } = await send(t, user.auth, chatId, { content: question });
    const done = replyOf(events).last as DoneEvent;
    expect(done).toMatchObject({ type: 'done' });
    return { recalled: recalledOf(), done };
  }

  const fallbacks = async (kind: string): Promise<number> => {
    const { text } = await t.http.get('/api/metrics').expect(200);
    const match = new RegExp(`^recall_rerank_fallbacks_total\\{kind="${kind}"\\} (\\d+)$`, 'm');
    return Number(match.exec(text)?.[1] ?? 0);
  };

  it('shows admins the recall mode in use', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const { body } = await t.http.get('/api/admin/memory-status').set(admin.auth).expect(200);
    expect(body).toEqual({ recall_mode: 'full-text+embeddings' });
  });

  it('puts the passage closest in meaning first once the chat is embedded in the background', async () => {
    scriptVectors();
    // A reply queues the chat's embedding; the job runs here, as the poller would run it.
    await send(t, user.auth, chatId, { content: 'Good morning, Nell.' });
    expect(
      await t.app.get(JobQueue).runNow(MEMORY_EMBED_JOB, { chatId }, { dedupeKey: chatId }),
    ).toBe(true);
    const [{ embedded }] = await t.dataSource.query<Array<{ embedded: number }>>(
      `SELECT count(*)::int AS embedded FROM message
       WHERE chat_id = $1 AND embedding_model = 'fake-embed' AND content IN ($2, $3)`,
      [chatId, WORDY, MEANT],
    );
    expect(embedded).toBe(2);

    llm.reset();
    scriptVectors();
    const { recalled, done } = await ask();
    expect(recalled).toEqual([MEANT, WORDY]);
    // One request embeds the newest turn.
    expect(embeddingRequests().map((r) => r.body?.input)).toEqual([[QUESTION]]);
    // The reply still records the messages it recalled.
    const ids = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM message WHERE chat_id = $1 AND content IN ($2, $3) ORDER BY id`,
      [chatId, MEANT, WORDY],
    );
    expect(done.memory_used?.messages.sort()).toEqual(ids.map((row) => Number(row.id)).sort());

    // A swipe recalls with the same message: its vector is reused, not asked for again (so
    // are a group round's next speakers').
    llm.reset();
    const swiped = await stream(t.url, `/api/chats/${chatId}/regenerate`, {
      headers: user.auth,
      body: {},
    });
    expect(replyOf(await swiped.rest()).last).toMatchObject({ type: 'done' });
    expect(recalledOf()).toEqual([MEANT, WORDY]);
    expect(embeddingRequests()).toEqual([]);
  });

  it('keeps the full-text order when the embeddings endpoint answers with an error', async () => {
    llm.onEmbedding(() => ({ fault: 'status', status: 500 }));
    const before = await fallbacks('error');
    const { recalled } = await ask(SAME_SEARCH[0]);
    expect(recalled).toEqual([WORDY, MEANT]);
    expect(embeddingRequests()).toHaveLength(1);
    expect(await fallbacks('error')).toBe(before + 1);
  });

  // Last: a timeout leaves the endpoint alone for a while (PAUSE_AFTER_TIMEOUT_MS).
  it('keeps the full-text order when the endpoint stalls, then leaves it alone for a while', async () => {
    llm.onEmbedding(() => ({ fault: 'stall' }));
    const { recalled } = await ask(SAME_SEARCH[1]);
    expect(recalled).toEqual([WORDY, MEANT]);
    expect(await fallbacks('timeout')).toBe(1);

    llm.reset();
    scriptVectors();
    const next = await ask(LAST_SEARCH);
    expect(next.recalled).toEqual([WORDY, MEANT]);
    expect(embeddingRequests()).toEqual([]);
  });
});
