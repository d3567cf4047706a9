import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  PROMPT_DEFAULTS,
  PROMPT_KEYS,
  type PromptKey,
} from '../../src/chat/prompt/prompt-defaults.js';
import { PromptTemplatesService } from '../../src/chat/prompt/prompt-templates.service.js';
import { LANGUAGES } from '../../src/common/languages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

describe('admin prompt overrides', () => {
  let t: TestApp;
  let admin: TestUser;
  let templates: PromptTemplatesService;
  const key: PromptKey = PROMPT_KEYS[0];

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SCALE: '0' } });
    admin = await createUser(t, { role: 'admin' });
    templates = t.app.get(PromptTemplatesService);
  });

  afterAll(async () => {
    await t?.close();
  });

  const list = async () =>
    (await t.http.get('/api/admin/prompts').set(admin.auth).expect(200)).body as Array<{
      key: string;
      lang: string;
      default: string;
      override: string | null;
      effective: string;
    }>;
  const put = (path: string, body: unknown) =>
    t.http
      .put(`/api/admin/prompts/${path}`)
      .set(admin.auth)
      .send(body as object);

  it('lists every key in every language with its default and no override', async () => {
    const entries = await list();
    expect(entries).toHaveLength(PROMPT_KEYS.length * LANGUAGES.length);
    for (const promptKey of PROMPT_KEYS) {
      for (const lang of LANGUAGES) {
        expect(entries).toContainEqual({
          key: promptKey,
          lang,
          default: PROMPT_DEFAULTS[promptKey][lang],
          override: null,
          effective: 'default',
        });
      }
    }
  });

  it('an override changes the text prompts use; DELETE restores the default', async () => {
    const text = 'You are {{char}}.\n\tNever break character.';
    const res = await put(`${key}/fr`, { text: `  ${text}\n` }).expect(200);
    expect(res.body).toEqual({
      key,
      lang: 'fr',
      default: PROMPT_DEFAULTS[key].fr,
      override: text,
      effective: 'override',
    });
    expect(await templates.get(key, 'fr')).toBe(text);
    // Only that language changed.
    expect(await templates.get(key, 'en')).toBe(PROMPT_DEFAULTS[key].en);
    const listed = await list();
    expect(listed.find((e) => e.key === key && e.lang === 'fr')).toEqual(res.body);
    expect(listed.filter((e) => e.effective === 'override')).toHaveLength(1);

    const replaced = await put(`${key}/fr`, { text: 'Second version' }).expect(200);
    expect(replaced.body.override).toBe('Second version');
    expect(await templates.get(key, 'fr')).toBe('Second version');

    const cleared = await t.http.delete(`/api/admin/prompts/${key}/fr`).set(admin.auth).expect(200);
    expect(cleared.body).toEqual({
      key,
      lang: 'fr',
      default: PROMPT_DEFAULTS[key].fr,
      override: null,
      effective: 'default',
    });
    expect(await templates.get(key, 'fr')).toBe(PROMPT_DEFAULTS[key].fr);
    // Clearing again is harmless.
    await t.http.delete(`/api/admin/prompts/${key}/fr`).set(admin.auth).expect(200);
    expect((await list()).every((entry) => entry.effective === 'default')).toBe(true);
  });

  it('refuses unknown keys and languages with a 400', async () => {
    const badKey = await put('no_such_key/en', { text: 'x' }).expect(400);
    expect(badKey.body.message).toBe('Unknown prompt key: no_such_key');
    const badLang = await put(`${key}/xx`, { text: 'x' }).expect(400);
    expect(badLang.body.message).toMatch(/^Unknown language: xx/);
    await t.http.delete(`/api/admin/prompts/no_such_key/en`).set(admin.auth).expect(400);
    await t.http.delete(`/api/admin/prompts/${key}/xx`).set(admin.auth).expect(400);
  });

  it.each([
    ['an empty text', { text: '' }, 'text must be longer than or equal to 1 characters'],
    ['blank text', { text: ' \n\t ' }, 'text must be longer than or equal to 1 characters'],
    [
      'a text over 20 000 characters',
      { text: 'x'.repeat(20_001) },
      'text must be shorter than or equal to 20000 characters',
    ],
    ['a control character', { text: 'ding\u0007' }, 'text must not contain control characters'],
    ['a bidi override', { text: 'abc\u202Edef' }, 'text must not contain control characters'],
    ['no text', {}, 'text must be a string'],
    ['a number', { text: 42 }, 'text must be a string'],
    ['an unknown field', { text: 'ok', lang: 'en' }, 'property lang should not exist'],
  ])('refuses %s', async (_, body, message) => {
    const res = await put(`${key}/en`, body).expect(400);
    expect(res.body.message).toContain(message);
    expect(await templates.get(key, 'en')).toBe(PROMPT_DEFAULTS[key].en);
  });

  it('accepts a text of exactly 20 000 characters', async () => {
    await put(`${key}/de`, { text: 'y'.repeat(20_000) }).expect(200);
    await t.http.delete(`/api/admin/prompts/${key}/de`).set(admin.auth).expect(200);
  });

  it('records every set and clear in the audit log', async () => {
    const { body } = await t.http.get('/api/admin/audit').set(admin.auth).expect(200);
    const trail = body.items
      .filter((entry: { action: string }) => entry.action.startsWith('prompt.'))
      .map((entry: { action: string; target: string; before: unknown; after: unknown }) => [
        entry.action,
        entry.target,
        typeof entry.before === 'string' ? entry.before.slice(0, 20) : entry.before,
        typeof entry.after === 'string' ? entry.after.slice(0, 20) : entry.after,
      ]);
    expect(trail).toEqual([
      ['prompt.clear', `prompt:${key}.de`, 'y'.repeat(20), null],
      ['prompt.set', `prompt:${key}.de`, null, 'y'.repeat(20)],
      ['prompt.clear', `prompt:${key}.fr`, null, null],
      ['prompt.clear', `prompt:${key}.fr`, 'Second version', null],
      ['prompt.set', `prompt:${key}.fr`, 'You are {{char}}.\n\tN', 'Second version'],
      ['prompt.set', `prompt:${key}.fr`, null, 'You are {{char}}.\n\tN'],
    ]);
    const filtered = await t.http
      .get('/api/admin/audit?action=prompt.clear')
      .set(admin.auth)
      .expect(200);
    expect(filtered.body.items).toHaveLength(3);
    expect(filtered.body.items[0]).toMatchObject({ actor_id: admin.id, actor_email: admin.email });
    expect(t.errorLogs()).toEqual([]);
  });
});
