/**
 * The authorization matrix: every route the app answers, against every kind of caller.
 *
 * ROUTES below is the reviewed access rule of each route. The test fails when the app has a
 * route that is not in the table (so a new route cannot ship unreviewed), when a route's
 * declared decorator disagrees with the table, or when a caller gets what its rule forbids:
 *
 * | rule    | no token | guest session | free | premium | admin |
 * | ------- | -------- | ------------- | ---- | ------- | ----- |
 * | public  | ok       | ok            | ok   | ok      | ok    |
 * | guest   | ok       | ok            | ok   | ok      | ok    |
 * | user    | 401      | 401           | ok   | ok      | ok    |
 * | premium | 401      | 401           | 403  | ok      | ok    |
 * | admin   | 401      | 401           | 403  | 403     | ok    |
 *
 * "ok" is any answer but 401 and 403 (bodies may be refused with 400, ids may be unknown), and
 * on routes of an owned resource (`owned`) also not 404: each caller acts on its own real chat,
 * character, persona… Then someone else of the same standing (another user, another guest
 * session, another admin) calls the route on that resource and must be told it does not exist
 * (404), as someone else's private resource is hidden everywhere. REFERENCES adds routes that name someone else's
 * private resource in passing (a chat with another user's persona, a fork of a private draft).
 * No call may answer 5xx, and nothing may be logged at error level.
 *
 * Path parameters of routes that are not about an owned resource get made-up values (a fresh UUID, 'nope'), so admin routes touch no setting, user or task of the test.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { RELAXED_AUTH_ENV } from '../support/auth.js';
import { startFakeGoogle, type FakeGoogle } from '../support/fake-google.js';
import { startFakeLlm, type FakeLlm } from '../support/fake-llm.js';
import { appRoutes, type AppRoute } from '../support/routes.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { llmEnv, publicCharacter } from '../chat/chat-support.js';
import { rowCachesCaughtUp } from '../support/row-caches.js';

type Rule = 'public' | 'guest' | 'user' | 'premium' | 'admin';
/** Resources with an owner, created for each caller that may own one. */
type Kind = 'chat' | 'character' | 'persona' | 'groupChat' | 'notification' | 'memory';

/** Placeholders in `params`: the caller's own resource of the entry's `owned` kind, a public character. */
const OWN = Symbol('own resource');
const PUBLIC_ID = Symbol('public character id');
const PUBLIC_SLUG = Symbol('public character slug');
/** The last message of the chat the path names (`:id`): a path parameter, or a body's value. */
const OWN_MESSAGE = Symbol('message of the chat');
type Param = string | typeof OWN | typeof PUBLIC_ID | typeof PUBLIC_SLUG | typeof OWN_MESSAGE;

interface Fixtures {
  /** Two public characters of a third user (the author). */
  characters: Array<{ id: string; slug: string }>;
}

/**
 * Routes that show a character's definition or hand over its card, tried on a public
 * character whose creator hid its definition (issue #20 item 8). Its creator and admins get it
 * all; anyone else the character without it (`strip`), a 403 where the route hands over the
 * whole card (`refuse`), or a public page that never shows it (`page`, the same for everyone).
 * `own`: the route only shows the caller's own characters (or, for admins, any): the rows
 * above prove others are refused. A route whose documented answer holds a character
 * (CharacterResponseDto) and has no row here fails the first test of this group.
 */
type DefinitionRule = 'strip' | 'refuse' | 'page' | 'own';
interface DefinitionRow {
  rule: DefinitionRule;
  /** The path, HIDDEN_ID, HIDDEN_SLUG and NEIGHBOUR_ID filled in (default: the route's). */
  path?: string;
  /** Whether the creator and admins find the definition in the answer (default: not on pages). */
  privilegedSee?: boolean;
  /** Before the call, for a caller that may: favourite the hidden character first. */
  favourite?: true;
  /** Callers the route serves nothing to try (a chat needs an account or a guest session). */
  skip?: readonly string[];
}
const HIDDEN_ID = '{hidden}';
const HIDDEN_SLUG = '{hidden-slug}';
const NEIGHBOUR_ID = '{neighbour}';

// prettier-ignore
const DEFINITION_ROUTES: Record<string, DefinitionRow> = {
  'GET /api/characters':                     { rule: 'strip', path: '/api/characters?sort=new&page_size=50' },
  'GET /api/characters/:id':                 { rule: 'strip' },
  'GET /api/characters/:id/relations':       { rule: 'strip', path: `/api/characters/${NEIGHBOUR_ID}/relations` },
  'GET /api/me/favorites':                   { rule: 'strip', favourite: true },
  'GET /api/characters/:id/export':          { rule: 'refuse', path: `/api/characters/${HIDDEN_ID}/export?format=json` },
  'POST /api/characters/:id/fork':           { rule: 'refuse' },
  'POST /api/chats':                         { rule: 'strip', privilegedSee: false, skip: ['no token'] },
  'GET /api/seo/c/:slug':                    { rule: 'page', path: `/api/seo/c/${HIDDEN_SLUG}` },
  'GET /api/seo/home':                       { rule: 'page' },
  'GET /api/seo/feed.xml':                   { rule: 'page' },
  'POST /api/characters':                    { rule: 'own' },
  'POST /api/characters/import':             { rule: 'own' },
  'PUT /api/characters/:id':                 { rule: 'own' },
  'POST /api/characters/:id/avatar':         { rule: 'own' },
  'POST /api/admin/characters/:id/reinstate': { rule: 'own' },
};

/** In every definition field of the hidden character, and nowhere else. */
const HIDDEN_MARKER = 'HIDDEN-DEFINITION';

interface Entry {
  rule: Rule;
  /** The route acts on a resource with an owner: callers use their own; others are refused. */
  owned?: Kind;
  /** Path parameters; default: OWN for `:id` on owned routes, a fresh UUID for `…id`, else 'nope'. */
  params?: Record<string, Param>;
  /** JSON body of POST/PUT/PATCH (default `{}`). */
  body?: unknown;
  bodyFor?: (fixtures: Fixtures) => unknown;
  /** Sent as multipart with a small PNG in `file`. */
  upload?: true;
  /** Mounted on Express directly, outside Nest and its guard (Swagger UI): no decorator. */
  raw?: true;
  /** Callers the rule lets through but a setting turns away (by default), and with what. */
  refuses?: Partial<Record<Caller, 401 | 403>>;
  /** An endless stream (notifications): only its status is read, then it is closed. */
  endless?: true;
}

/** An idea the fake model answers with a valid character draft (POST /api/characters/generate). */
const DRAFT_IDEA = 'a lighthouse keeper who collects storms';
const DRAFT = {
  name: 'Keeper Ansel',
  description: 'A lighthouse keeper who bottles storms.',
  personality: 'patient, wry',
  scenario: 'The lamp room at night.',
  greeting: 'Ansel sets down a jar of thunder. "Mind the glass."',
  example_dialogues: '{{user}}: Hi\n{{char}}: "Evening."',
  appearance: 'Oilskin coat.',
  speech_pattern: 'Slow, salty.',
  tags: 'sea',
  structured_tags: 'drama',
  response_length: 'medium',
  content_rating: 'sfw',
};
const groupChatBody = ({ characters }: Fixtures) => ({
  character_ids: characters.map((character) => character.id),
});
const chatBody = ({ characters }: Fixtures) => ({
  character_id: characters[0].id,
  force_new: true,
});

// prettier-ignore
const ROUTES: Record<string, Entry> = {
  // health, metrics, docs
  'GET /api/healthz':                           { rule: 'public' },
  'GET /api/readyz':                            { rule: 'public' },
  'GET /api/metrics':                           { rule: 'public' },
  'GET /api/docs':                              { rule: 'public', raw: true },
  'GET /api/docs/':                             { rule: 'public', raw: true },
  'GET /api/docs/index.html':                   { rule: 'public', raw: true },
  'GET /api/docs/LICENSE':                      { rule: 'public', raw: true },
  'GET /api/docs/swagger-ui-init.js':           { rule: 'public', raw: true },
  'GET /api/docs/docs/swagger-ui-init.js':      { rule: 'public', raw: true },
  'GET /api/docs-json':                         { rule: 'public', raw: true },
  'GET /api/docs-yaml':                         { rule: 'public', raw: true },

  // auth
  'GET /api/auth/challenge':                    { rule: 'public' },
  'POST /api/auth/register':                    { rule: 'public' },
  'POST /api/auth/login':                       { rule: 'public' },
  'POST /api/auth/forgot-password':             { rule: 'public' },
  'POST /api/auth/reset-password':              { rule: 'public' },
  'GET /api/auth/me':                           { rule: 'user' },
  'POST /api/auth/me/confirm-adult':            { rule: 'user' },
  'POST /api/auth/verify-email':                { rule: 'user' },
  'POST /api/auth/verify-email/resend':         { rule: 'user' },
  'GET /api/auth/google':                       { rule: 'public' },
  'POST /api/auth/google/start':                { rule: 'public' },
  'GET /api/auth/google/callback':              { rule: 'public' },

  // models, tags, avatars, stats
  'GET /api/models':                            { rule: 'guest' },
  'GET /api/models/:provider':                  { rule: 'guest', params: { provider: 'groq' } },
  'GET /api/tags':                              { rule: 'public' },
  'GET /api/avatars/:file':                     { rule: 'public', params: { file: 'nope.png' } },
  'GET /api/stats':                             { rule: 'public' },

  // characters (private drafts are hidden from others; editing someone else's is refused)
  'GET /api/characters':                        { rule: 'guest' },
  'GET /api/characters/:id':                    { rule: 'guest', owned: 'character' },
  'GET /api/characters/:id/export':             { rule: 'guest', owned: 'character' },
  'GET /api/characters/:id/relations':          { rule: 'guest', owned: 'character' },
  'POST /api/characters':                       { rule: 'user', body: { name: 'Matrix draft' } },
  'POST /api/characters/import':                { rule: 'user', body: { name: 'Imported', description: 'A card.', first_mes: 'Hi.' } },
  'POST /api/characters/generate':              { rule: 'user', body: { text: DRAFT_IDEA } },
  'PUT /api/characters/:id':                    { rule: 'user', owned: 'character', body: { description: 'Edited.' } },
  'POST /api/characters/:id/avatar':            { rule: 'user', owned: 'character', upload: true },
  'DELETE /api/characters/:id':                 { rule: 'user', owned: 'character' },
  'POST /api/characters/:id/vote':              { rule: 'user', params: { id: PUBLIC_ID }, body: { value: 1 } },
  'POST /api/characters/:id/favorite':          { rule: 'user', params: { id: PUBLIC_ID } },
  'DELETE /api/characters/:id/favorite':        { rule: 'user', params: { id: PUBLIC_ID } },
  'POST /api/characters/:id/fork':              { rule: 'user', params: { id: PUBLIC_ID } },
  'POST /api/characters/:id/report':            { rule: 'user', params: { id: PUBLIC_ID }, body: { reason: 'spam' } },
  'GET /api/me/favorites':                      { rule: 'user' },
  // character memories: the caller's own facts about a character (never its owner's)
  'GET /api/characters/:id/memories':           { rule: 'user', params: { id: PUBLIC_ID } },
  'POST /api/characters/:id/memories':          { rule: 'user', params: { id: PUBLIC_ID }, body: { text: 'I like tea.', kind: 'preference' } },
  'PATCH /api/characters/:id/memories/:memory_id': { rule: 'user', owned: 'memory', params: { id: PUBLIC_ID, memory_id: OWN }, body: { pinned: true } },
  'DELETE /api/characters/:id/memories/:memory_id': { rule: 'user', owned: 'memory', params: { id: PUBLIC_ID, memory_id: OWN } },

  // personas
  'GET /api/personas':                          { rule: 'user' },
  'POST /api/personas':                         { rule: 'user', body: { name: 'Matrix persona' } },
  'GET /api/personas/:id':                      { rule: 'user', owned: 'persona' },
  'PUT /api/personas/:id':                      { rule: 'user', owned: 'persona', body: { description: 'Edited.' } },
  'DELETE /api/personas/:id':                   { rule: 'user', owned: 'persona' },

  // chats (guests chat with an X-Anon-Session; someone else's chat is hidden)
  'GET /api/chats/anon-limit':                  { rule: 'guest' },
  'POST /api/chats':                            { rule: 'guest', bodyFor: chatBody },
  'GET /api/chats':                             { rule: 'guest' },
  'GET /api/chats/:id':                         { rule: 'guest', owned: 'chat' },
  'GET /api/chats/:id/messages':                { rule: 'guest', owned: 'chat' },
  'POST /api/chats/:id/message':                { rule: 'guest', owned: 'chat', body: { content: 'Hello there' } },
  'POST /api/chats/:id/regenerate':             { rule: 'guest', owned: 'chat' },
  'PUT /api/chats/:id/messages/last':           { rule: 'guest', owned: 'chat', body: { content: 'Hello again' } },
  'GET /api/chats/:id/stream':                  { rule: 'guest', owned: 'chat' },
  'POST /api/chats/:id/stream-ticket':          { rule: 'guest', owned: 'chat' },
  'POST /api/chats/:id/stop':                   { rule: 'guest', owned: 'chat' },
  'DELETE /api/chats/:id':                      { rule: 'user', owned: 'chat' },
  'POST /api/chats/:id/generate-persona-reply': { rule: 'admin', owned: 'chat' },
  'POST /api/chats/:id/messages/:message_id/select': { rule: 'guest', owned: 'chat', params: { message_id: OWN_MESSAGE }, body: { index: 0 } },
  'PUT /api/chats/:id/messages/:message_id':    { rule: 'guest', owned: 'chat', params: { message_id: OWN_MESSAGE }, body: { content: 'Edited.' } },
  'POST /api/chats/:id/messages/:message_id/resend': { rule: 'guest', owned: 'chat', params: { message_id: OWN_MESSAGE }, body: { content: 'Again' } },
  'DELETE /api/chats/:id/messages/:message_id': { rule: 'guest', owned: 'chat', params: { message_id: OWN_MESSAGE } },
  'POST /api/chats/:id/rewind':                 { rule: 'guest', owned: 'chat', body: { message_id: OWN_MESSAGE } },
  'POST /api/chats/:id/branch':                 { rule: 'guest', owned: 'chat', body: { message_id: OWN_MESSAGE } },
  'POST /api/chats/:id/continue':               { rule: 'guest', owned: 'chat' },
  // impersonate_min_tier (default free) turns guests away.
  'POST /api/chats/:id/impersonate':            { rule: 'guest', owned: 'chat', refuses: { guest: 403 } },
  'GET /api/chats/:id/settings':                { rule: 'guest', owned: 'chat' },
  'PUT /api/chats/:id/settings':                { rule: 'guest', owned: 'chat', body: { temperature: 0.5 } },
  'GET /api/chats/:id/memory':                  { rule: 'guest', owned: 'chat' },
  'PUT /api/chats/:id/memory':                  { rule: 'guest', owned: 'chat', body: { summary: 'So far.' } },
  'PUT /api/chats/:id/members':                 { rule: 'user', owned: 'chat', bodyFor: ({ characters }) => ({ character_ids: [characters[0].id] }) },
  'PUT /api/chats/:id/members/:character_id':   { rule: 'user', owned: 'chat', params: { character_id: PUBLIC_ID }, body: { muted: false } },
  'GET /api/chats/search':                      { rule: 'guest' },
  'PATCH /api/chats/:id':                       { rule: 'guest', owned: 'chat', body: { title: 'Renamed' } },
  // Export and import need an account: guests are told to sign in.
  'GET /api/chats/:id/export':                  { rule: 'guest', owned: 'chat', refuses: { guest: 403 } },
  'POST /api/chats/import':                     { rule: 'guest', refuses: { guest: 403 }, bodyFor: ({ characters }) => ({ character_id: characters[0].id, jsonl: '{"mes": "Hi"}' }) },
  'GET /api/me/preferences':                    { rule: 'user' },
  'GET /api/me/notification-settings':          { rule: 'user' },
  'PUT /api/me/notification-settings':          { rule: 'user', body: { quiet_start: 23 } },
  'GET /api/notifications':                     { rule: 'user' },
  // Guest so a stream ticket can stand in for the header EventSource cannot send; no user, no ticket: 401.
  'GET /api/notifications/stream':              { rule: 'guest', endless: true, refuses: { 'no token': 401, guest: 401 } },
  'POST /api/notifications/stream-ticket':      { rule: 'user' },
  'POST /api/notifications/read-all':           { rule: 'user' },
  'POST /api/notifications/:id/read':           { rule: 'user', owned: 'notification' },
  'GET /api/notifications/unsubscribe':         { rule: 'public' },
  'GET /api/chats/:id/proactive':               { rule: 'user', owned: 'chat' },
  'PUT /api/chats/:id/proactive':               { rule: 'user', owned: 'chat', body: { after_hours: 24 } },
  'PUT /api/me/preferences':                    { rule: 'user', body: { max_tokens: 500 } },

  // group chats
  'POST /api/group-chats':                      { rule: 'user', bodyFor: groupChatBody },
  'GET /api/group-chats':                       { rule: 'user' },
  'GET /api/group-chats/:id':                   { rule: 'user', owned: 'groupChat' },
  'GET /api/group-chats/:id/messages':          { rule: 'user', owned: 'groupChat' },
  'POST /api/group-chats/:id/message':          { rule: 'user', owned: 'groupChat', body: { content: 'Hello all' } },
  'DELETE /api/group-chats/:id':                { rule: 'user', owned: 'groupChat' },
  'POST /api/group-chats/:id/stop':             { rule: 'user', owned: 'groupChat' },

  // admin (made-up keys and ids only: no setting, user or task of this test is touched)
  'GET /api/admin/prompts':                     { rule: 'admin' },
  'PUT /api/admin/prompts/:key/:lang':          { rule: 'admin', params: { key: 'nope', lang: 'xx' } },
  'DELETE /api/admin/prompts/:key/:lang':       { rule: 'admin', params: { key: 'nope', lang: 'xx' } },
  'GET /api/admin/settings':                    { rule: 'admin' },
  'PUT /api/admin/settings/:key':               { rule: 'admin', params: { key: 'nope' }, body: { value: 1 } },
  'GET /api/admin/provider-status':             { rule: 'admin' },
  'GET /api/admin/memory-status':               { rule: 'admin' },
  'GET /api/admin/reports':                     { rule: 'admin' },
  'PUT /api/admin/reports/:id':                 { rule: 'admin' },
  'POST /api/admin/characters/:id/reinstate':   { rule: 'admin' },
  'GET /api/admin/users':                       { rule: 'admin' },
  'PUT /api/admin/users/:id':                   { rule: 'admin' },
  'GET /api/admin/audit':                       { rule: 'admin' },
  'GET /api/admin/tasks':                       { rule: 'admin' },
  'POST /api/admin/tasks/:name/run':            { rule: 'admin', params: { name: 'nope' } },
  'GET /api/admin/jobs':                        { rule: 'admin' },
  'POST /api/admin/jobs/:id/retry':             { rule: 'admin', params: { id: '999999999' } },
  'GET /api/admin/bans':                        { rule: 'admin' },
  'DELETE /api/admin/bans/:id':                 { rule: 'admin' },
  'GET /api/admin/moderation/queue':            { rule: 'admin' },
  'POST /api/admin/moderation/:kind/:id/decision': { rule: 'admin', params: { kind: 'report' }, body: { action: 'approve' } },

  // pages for crawlers
  'GET /api/seo/home':                          { rule: 'public' },
  'GET /api/seo/c/:slug':                       { rule: 'public', params: { slug: PUBLIC_SLUG } },
  'GET /api/seo/tags/:slug':                    { rule: 'public', params: { slug: 'nope' } },
  'GET /api/seo/campaigns':                     { rule: 'public' },
  'GET /api/seo/faq':                           { rule: 'public' },
  'GET /api/seo/about':                         { rule: 'public' },
  'GET /api/seo/terms':                         { rule: 'public' },
  'GET /api/seo/privacy':                       { rule: 'public' },
  'GET /api/seo/sitemap.xml':                   { rule: 'public' },
  'GET /api/seo/sitemap-:n.xml':                { rule: 'public', params: { n: '1' } },
  'GET /api/seo/robots.txt':                    { rule: 'public' },
  'GET /api/seo/feed.xml':                      { rule: 'public' },
};

/**
 * Someone else's private resource named by a route that is about something else (a chat with
 * another user's persona, a fork of another user's draft…): the owner may, anyone else gets 404.
 */
interface Reference {
  route: string;
  kind: Kind;
  /** The path parameter `:id` is the resource; else it goes in the body. */
  body?: (id: string, fixtures: Fixtures) => unknown;
}

// prettier-ignore
const REFERENCES: Reference[] = [
  { route: 'POST /api/chats', kind: 'persona', body: (id, { characters }) => ({ character_id: characters[0].id, persona_id: id, force_new: true }) },
  { route: 'POST /api/chats', kind: 'character', body: (id) => ({ character_id: id, force_new: true }) },
  { route: 'POST /api/group-chats', kind: 'character', body: (id, { characters }) => ({ character_ids: [characters[0].id, id] }) },
  { route: 'POST /api/characters/:id/fork', kind: 'character' },
  { route: 'POST /api/characters/:id/vote', kind: 'character', body: () => ({ value: 1 }) },
  { route: 'POST /api/characters/:id/favorite', kind: 'character' },
  { route: 'POST /api/characters/:id/report', kind: 'character', body: () => ({ reason: 'spam' }) },
];

/** The five callers of the matrix, weakest first. */
const CALLERS = ['no token', 'guest', 'free', 'premium', 'admin'] as const;
type Caller = (typeof CALLERS)[number];
/** Identities that own resources: the callers, and a second one of each standing. */
type Identity =
  Exclude<Caller, 'no token'> | 'other guest' | 'other user' | 'other premium' | 'other admin';

const USERS: Identity[] = [
  'free',
  'other user',
  'premium',
  'other premium',
  'admin',
  'other admin',
];

/** Who may own each kind of resource (others act on the free user's, or a public character). */
const OWNERS: Record<Kind, Identity[]> = {
  chat: ['guest', 'other guest', ...USERS],
  character: USERS,
  persona: USERS,
  groupChat: USERS,
  notification: USERS,
  memory: USERS,
};

type Expected = 401 | 403 | 'ok';

function expected(rule: Rule, caller: Caller): Expected {
  if (rule === 'public' || rule === 'guest') return 'ok';
  if (caller === 'no token' || caller === 'guest') return 401;
  const rank = { free: 1, premium: 2, admin: 3 }[caller];
  const needed = { user: 1, premium: 2, admin: 3 }[rule];
  return rank >= needed ? 'ok' : 403;
}

/** Someone of the same standing as the owner, trying the owner's resource. */
function intruders(entry: Entry): Array<{ intruder: Identity; victim: Identity }> {
  if (!entry.owned) return [];
  switch (entry.rule) {
    case 'public':
      return [];
    case 'guest': {
      // Guests and users both own chats: neither reaches the other's, nor another of its kind.
      const guests = OWNERS[entry.owned].includes('guest');
      return guests
        ? [
            { intruder: 'other user', victim: 'free' },
            { intruder: 'other guest', victim: 'guest' },
            { intruder: 'guest', victim: 'free' },
            { intruder: 'other user', victim: 'guest' },
          ]
        : [
            { intruder: 'other user', victim: 'free' },
            { intruder: 'other guest', victim: 'free' },
          ];
    }
    case 'user':
      return [{ intruder: 'other user', victim: 'free' }];
    case 'premium':
      return [{ intruder: 'other premium', victim: 'premium' }];
    case 'admin':
      return [{ intruder: 'other admin', victim: 'admin' }];
  }
}

/** The rule a route declares through its decorators. */
function declaredRule(route: AppRoute): string {
  if (!route.handler) return 'raw';
  if (route.access === 'user' && route.minTier === 'premium') return 'premium';
  if (route.access === 'user' && route.minTier === 'admin') return 'admin tier';
  if (route.access === 'user' && route.minTier !== undefined && route.minTier !== 'free') {
    return `user, min tier ${String(route.minTier)}`;
  }
  return route.access === undefined ? 'undeclared' : String(route.access);
}

// The smallest thing the avatar check takes for a PNG: it looks at the magic bytes only.
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(64, 1),
]);

interface Outcome {
  route: string;
  caller: string;
  status: number;
  message?: string;
}

describe('authorization matrix', () => {
  let fake: FakeLlm;
  let google: FakeGoogle;
  let t: TestApp;
  let routes: Map<string, AppRoute>;
  let fixtures: Fixtures;
  const headers = new Map<Identity, Record<string, string>>();
  const userIds = new Map<Identity, string>();
  const outcomes: Outcome[] = [];
  /** The hidden-definition character, its creator, and a public character related to it. */
  let hidden: { id: string; slug: string; creator: Record<string, string>; neighbour: string };

  beforeAll(async () => {
    [fake, google] = await Promise.all([startFakeLlm(), startFakeGoogle()]);
    // Draft requests get a valid draft; chat replies get the fake's default text.
    fake.onRequest((request) => {
      const last = request.body?.messages?.at(-1);
      return last?.role === 'user' && last.content === DRAFT_IDEA
        ? { content: JSON.stringify(DRAFT) }
        : undefined;
    });
    t = await createTestApp({ env: { ...llmEnv(fake), ...RELAXED_AUTH_ENV, ...google.env } });
    routes = new Map(appRoutes(t.app).map((route) => [route.key, route]));

    const users = await Promise.all([
      createUser(t),
      createUser(t),
      createUser(t, { tier: 'premium' }),
      createUser(t, { tier: 'premium' }),
      createUser(t, { role: 'admin' }),
      createUser(t, { role: 'admin' }),
    ]);
    USERS.forEach((identity, i) => headers.set(identity, users[i].auth));
    USERS.forEach((identity, i) => userIds.set(identity, users[i].id));
    headers.set('guest', { 'X-Anon-Session': randomUUID() });
    headers.set('other guest', { 'X-Anon-Session': randomUUID() });

    const author = await createUser(t);
    fixtures = {
      characters: await Promise.all([
        publicCharacter(t, author, { name: 'Mira' }),
        publicCharacter(t, author, { name: 'Tomas' }),
      ]),
    };
    // Long enough a description for the SEO quality gate, so /api/seo/c/:slug has a page.
    await t.dataSource.query(
      `UPDATE character SET description = repeat('A lighthouse keeper. ', 5) WHERE id = ANY($1)`,
      [fixtures.characters.map((character) => character.id)],
    );
    await rowCachesCaughtUp(t);

    const creator = await createUser(t);
    const [secret, neighbour] = await Promise.all([
      publicCharacter(t, creator, { name: 'Veiled' }),
      publicCharacter(t, creator, { name: 'Neighbour' }),
    ]);
    await t.dataSource.query(
      `UPDATE character SET definition_hidden = true, description = repeat('A veiled keeper. ', 6),
              personality = $2, scenario = $2, example_dialogues = $2, appearance = $2,
              speech_pattern = $2, system_prompt = $2, post_history_instructions = $2,
              character_book = $3
       WHERE id = $1`,
      [
        secret.id,
        `${HIDDEN_MARKER} text`,
        { entries: [{ keys: ['veil'], content: `${HIDDEN_MARKER} lore`, extensions: {} }] },
      ],
    );
    await rowCachesCaughtUp(t);
    await t.dataSource.query(
      `INSERT INTO character_relation (character_id, related_id, relation_type, label_en)
       VALUES ($1, $2, 'friend', 'Friend')`,
      [neighbour.id, secret.id],
    );
    hidden = { ...secret, creator: creator.auth, neighbour: neighbour.id };
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all([fake?.close(), google?.close()]);
  });

  /** One request; streamed answers (SSE) are read to their end so no reply is left running. */
  async function call(
    method: string,
    path: string,
    who: Record<string, string>,
    entry: Pick<Entry, 'body' | 'bodyFor' | 'upload' | 'endless'> = {},
  ): Promise<{ status: number; body: string }> {
    const endless = new AbortController();
    const init: RequestInit = {
      method,
      headers: { ...who },
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(20_000), endless.signal]),
    };
    if (entry.upload) {
      const form = new FormData();
      form.set('file', new Blob([PNG], { type: 'image/png' }), 'avatar.png');
      init.body = form;
    } else if (!['GET', 'HEAD', 'DELETE'].includes(method)) {
      init.headers = { ...who, 'Content-Type': 'application/json' };
      init.body = JSON.stringify(entry.bodyFor?.(fixtures) ?? entry.body ?? {});
    }
    const res = await fetch(`${t.url}${path}`, init);
    if (entry.endless && res.headers.get('content-type')?.startsWith('text/event-stream')) {
      endless.abort();
      return { status: res.status, body: '' };
    }
    return { status: res.status, body: await res.text() };
  }

  const messageOf = (body: string): string | undefined => {
    try {
      return (JSON.parse(body) as { message?: string }).message;
    } catch {
      return body.slice(0, 120);
    }
  };

  // Owned resources, created when first needed and again after a DELETE removed them.
  const owned = new Map<string, Promise<string>>();

  async function create(identity: Identity, kind: Kind): Promise<string> {
    const who = headers.get(identity)!;
    const created = (path: string, body: unknown) =>
      call('POST', path, who, { body }).then(({ status, body: text }) => {
        if (status !== 200 && status !== 201) {
          throw new Error(
            `could not create the ${kind} of ${identity} (POST ${path}: ${status} ${text}); ` +
              'adjust create() in the authorization matrix',
          );
        }
        return (JSON.parse(text) as { id: string }).id;
      });
    switch (kind) {
      case 'chat': {
        const id = await created('/api/chats', chatBody(fixtures));
        // One exchange, so that regenerate and editing the last message have something to act on.
        const sent = await call('POST', `/api/chats/${id}/message`, who, {
          body: { content: 'Hi' },
        });
        if (sent.status !== 200) throw new Error(`first message: ${sent.status} ${sent.body}`);
        return id;
      }
      case 'character':
        return created('/api/characters', { name: `Draft of ${identity}` });
      case 'persona':
        return created('/api/personas', { name: `Persona of ${identity}` });
      case 'groupChat':
        return created('/api/group-chats', groupChatBody(fixtures));
      case 'notification': {
        // Raised as the app does (a report on their character decided), for that user.
        const [row] = await t.dataSource.query<Array<{ id: string }>>(
          `INSERT INTO notification (user_id, type, metadata) VALUES ($1, 'report_decided', '{}')
           RETURNING id::text`,
          [userIds.get(identity)],
        );
        return row.id;
      }
      case 'memory':
        return created(`/api/characters/${fixtures.characters[0].id}/memories`, {
          text: `A fact of ${identity}`,
          kind: 'preference',
        });
    }
  }

  function resource(identity: Identity, kind: Kind): Promise<string> {
    const key = `${identity} ${kind}`;
    if (!owned.has(key)) owned.set(key, create(identity, kind));
    return owned.get(key)!;
  }

  /** The id of `identity`'s own resource; a guest or no-token caller looks at a public character. */
  function ownId(identity: Identity | undefined, kind: Kind): Promise<string> {
    if (identity && OWNERS[kind].includes(identity)) return resource(identity, kind);
    if (kind === 'character') return Promise.resolve(fixtures.characters[0].id);
    return resource('free', kind);
  }

  /** The path with its parameters filled in for this identity. */
  async function pathFor(route: AppRoute, entry: Entry, identity?: Identity): Promise<string> {
    let path = route.path;
    for (const [, name] of route.path.matchAll(/:(\w+)/g)) {
      const param =
        entry.params?.[name] ??
        (entry.owned && name === 'id' ? OWN : /id$/i.test(name) ? randomUUID() : 'nope');
      const value =
        param === OWN
          ? await ownId(identity, entry.owned!)
          : param === PUBLIC_ID
            ? fixtures.characters[0].id
            : param === PUBLIC_SLUG
              ? fixtures.characters[0].slug
              : param === OWN_MESSAGE
                ? String(await lastMessageOf(path))
                : param;
      path = path.replace(`:${name}`, value);
    }
    return path;
  }

  /** The last message of the chat `path` names, for OWN_MESSAGE. */
  async function lastMessageOf(path: string): Promise<number> {
    const chatId = /^\/api\/chats\/([\da-f-]{36})/.exec(path)?.[1];
    const [chat] = await t.dataSource.query<Array<{ leaf_id: string }>>(
      `SELECT leaf_id FROM chat WHERE id = $1`,
      [chatId],
    );
    return Number(chat.leaf_id);
  }

  /** The entry with OWN_MESSAGE in its body replaced by the message it stands for. */
  async function withOwnMessage(entry: Entry, path: string): Promise<Entry> {
    if (typeof entry.body !== 'object' || entry.body === null) return entry;
    const body = Object.entries(entry.body as Record<string, unknown>);
    if (!body.some(([, value]) => value === OWN_MESSAGE)) return entry;
    const message = await lastMessageOf(path);
    return {
      ...entry,
      body: Object.fromEntries(
        body.map(([key, value]) => [key, value === OWN_MESSAGE ? message : value]),
      ),
    };
  }

  /** Calls the route; a DELETE that succeeded retires the resource it removed. */
  async function request(route: AppRoute, entry: Entry, path: string, identity?: Identity) {
    const res = await call(
      route.method,
      path,
      identity ? headers.get(identity)! : {},
      await withOwnMessage(entry, path),
    );
    if (route.method === 'DELETE' && entry.owned && res.status < 300) {
      for (const [key, id] of owned) {
        if (key.endsWith(` ${entry.owned}`) && path.includes(await id)) owned.delete(key);
      }
    }
    outcomes.push({
      route: route.key,
      caller: identity ?? 'no token',
      status: res.status,
      message: messageOf(res.body),
    });
    return { status: res.status, message: messageOf(res.body) };
  }

  it('has a reviewed rule for every route of the app, matching its decorators', () => {
    const problems: string[] = [];
    for (const route of routes.values()) {
      const entry = ROUTES[route.key];
      const declared = declaredRule(route);
      if (!entry) {
        problems.push(`${route.key}: not in the matrix (declares ${declared}): add a rule`);
      } else if (declared !== (entry.raw ? 'raw' : entry.rule)) {
        problems.push(`${route.key}: declares ${declared}, the matrix says ${entry.rule}`);
      }
    }
    for (const key of Object.keys(ROUTES)) {
      if (!routes.has(key)) {
        problems.push(`${key}: in the matrix but not in the app: remove or rename it`);
      }
    }
    expect(problems).toEqual([]);
  });

  for (const [key, entry] of Object.entries(ROUTES)) {
    describe(key, () => {
      for (const caller of CALLERS) {
        const want = entry.refuses?.[caller] ?? expected(entry.rule, caller);
        const identity = caller === 'no token' ? undefined : caller;
        // An owner acting on its own resource must not be told it does not exist either.
        const owner = want === 'ok' && entry.owned !== undefined && identity !== undefined;
        const name =
          want !== 'ok'
            ? `answers ${want} to ${caller}`
            : owner
              ? `serves ${caller} on its own ${entry.owned}`
              : `serves ${caller}`;
        it(name, async () => {
          const route = routes.get(key);
          // A route missing from the app fails the first test.
          if (!route) throw new Error(`${key} is not a route of the app`);
          const path = await pathFor(route, entry, identity);
          const { status, message } = await request(route, entry, path, identity);
          const refused = owner ? [401, 403, 404] : [401, 403];
          const verdict =
            status >= 500
              ? `server error ${status}`
              : want !== 'ok'
                ? status === want
                  ? 'as expected'
                  : `${status} instead of ${want}`
                : refused.includes(status)
                  ? `refused with ${status}`
                  : 'as expected';
          expect({ path, verdict, message }).toEqual({ path, verdict: 'as expected', message });
        });
      }

      for (const { intruder, victim } of intruders(entry)) {
        const want = 404;
        it(`answers ${want} to ${intruder} on the ${entry.owned} of ${victim}`, async () => {
          const route = routes.get(key);
          if (!route) return;
          const path = await pathFor(route, entry, victim);
          const { status, message } = await request(route, entry, path, intruder);
          expect({ path, status, message }).toEqual({ path, status: want, message });
        });
      }
    });
  }

  describe('a character whose creator hid its definition', () => {
    const DEFINITION_CALLERS = [...CALLERS, 'creator'] as const;

    /** Every documented route whose success answer holds a CharacterResponseDto, at any depth. */
    async function routesShowingCharacters(): Promise<string[]> {
      type Doc = {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, unknown> };
      };
      const doc = (await t.http.get('/api/docs-json').expect(200)).body as Doc;
      const reaches = (node: unknown, seen = new Set<string>()): boolean => {
        if (Array.isArray(node)) return node.some((item) => reaches(item, seen));
        if (!node || typeof node !== 'object') return false;
        const ref = (node as { $ref?: unknown }).$ref;
        if (typeof ref === 'string') {
          const name = ref.split('/').at(-1)!;
          if (name === 'CharacterResponseDto') return true;
          if (seen.has(name)) return false;
          seen.add(name);
          return reaches(doc.components.schemas[name], seen);
        }
        return Object.values(node).some((value) => reaches(value, seen));
      };
      return Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([, operation]) =>
            Object.entries(operation.responses).some(
              ([code, response]) => code.startsWith('2') && reaches(response),
            ),
          )
          .map(([method]) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      );
    }

    it('has a reviewed definition rule for every route that shows a character', async () => {
      const shown = await routesShowingCharacters();
      expect(shown.length).toBeGreaterThan(5);
      expect(shown.filter((key) => !DEFINITION_ROUTES[key])).toEqual([]);
      expect(Object.keys(DEFINITION_ROUTES).filter((key) => !ROUTES[key])).toEqual([]);
    });

    for (const [key, row] of Object.entries(DEFINITION_ROUTES)) {
      if (row.rule === 'own') continue;
      for (const caller of DEFINITION_CALLERS) {
        const rule = ROUTES[key]?.rule ?? 'public';
        if (caller !== 'creator' && expected(rule, caller) !== 'ok') continue;
        if (row.skip?.includes(caller)) continue;
        const privileged = caller === 'creator' || caller === 'admin';
        const sees = privileged && row.rule !== 'page' && row.privilegedSee !== false;
        const want = row.rule === 'refuse' && !privileged ? 403 : sees ? 'definition' : 'none';
        const name =
          want === 403
            ? `${key}: answers 403 to ${caller}`
            : want === 'definition'
              ? `${key}: shows ${caller} the definition`
              : `${key}: shows ${caller} no definition`;
        it(name, async () => {
          const route = routes.get(key)!;
          const who =
            caller === 'creator'
              ? hidden.creator
              : caller === 'no token'
                ? {}
                : headers.get(caller)!;
          if (row.favourite) {
            await call('POST', `/api/characters/${hidden.id}/favorite`, who);
          }
          const path = (row.path ?? route.path)
            .replace(':id', HIDDEN_ID)
            .replace(':slug', HIDDEN_SLUG)
            .replace(HIDDEN_ID, hidden.id)
            .replace(HIDDEN_SLUG, hidden.slug)
            .replace(NEIGHBOUR_ID, hidden.neighbour);
          const body =
            key === 'POST /api/chats' ? { character_id: hidden.id, force_new: true } : {};
          const res = await call(route.method, path, who, { body });
          outcomes.push({ route: key, caller, status: res.status, message: messageOf(res.body) });
          const verdict =
            res.status === 403
              ? `403 ${messageOf(res.body) ?? ''}`
              : res.status >= 300
                ? `${res.status} ${messageOf(res.body) ?? ''}`
                : res.body.includes(HIDDEN_MARKER)
                  ? 'definition'
                  : 'none';
          expect({ path, verdict }).toEqual({
            path,
            verdict:
              want === 403
                ? "403 This character's creator has hidden its definition: only they can export or fork it"
                : want,
          });
        });
      }
    }
  });

  describe("naming someone else's private resource", () => {
    for (const { route: key, kind, body } of REFERENCES) {
      const send = async (identity: Identity) => {
        const route = routes.get(key)!;
        const id = await resource('free', kind);
        const path = route.path.replace(':id', id);
        return request(
          route,
          { rule: ROUTES[key].rule, body: body?.(id, fixtures) },
          path,
          identity,
        );
      };

      it(`${key}: serves free with its own ${kind}`, async () => {
        if (!routes.has(key)) return;
        const { status, message } = await send('free');
        const verdict = status >= 500 || [401, 403, 404].includes(status) ? `${status}` : 'served';
        expect({ verdict, message }).toEqual({ verdict: 'served', message });
      });

      it(`${key}: answers 404 to other user with the ${kind} of free`, async () => {
        if (!routes.has(key)) return;
        const { status, message } = await send('other user');
        expect({ status, message }).toEqual({ status: 404, message });
      });
    }
  });

  it('answered no call with a server error and logged no error', () => {
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome.status >= 500)).toEqual([]);
    expect(t.errorLogs()).toEqual([]);
  });
});
