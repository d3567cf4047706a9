import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { MailService } from '../../src/common/mail/mail.service.js';
import {
  SETTINGS_CACHE_TTL_MS,
  SettingsService,
} from '../../src/common/settings/settings.service.js';
import { SETTINGS } from '../../src/common/settings/settings.registry.js';
import { RELAXED_AUTH_ENV, registerUser } from '../support/auth.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

interface Setting {
  key: string;
  value: unknown;
  type: 'boolean' | 'integer' | 'enum' | 'list';
  default: unknown;
  min?: number;
  max?: number;
  values?: string[];
  min_items?: number;
  max_items?: number;
  max_length?: number;
  description: string;
}

const ENV = { ...RELAXED_AUTH_ENV, ADMIN_EMAILS: 'boss@example.com,ops@example.com' };

/** Values each type must take, and values it must refuse (with the rule the 400 names). */
function cases(setting: Setting): { valid: unknown[]; invalid: unknown[]; rule: string } {
  switch (setting.type) {
    case 'boolean':
      return {
        valid: [true, false],
        invalid: ['true', 1, 0, [], {}],
        rule: `${setting.key} must be a boolean`,
      };
    case 'integer':
      return {
        valid: [setting.min, setting.max, setting.default],
        invalid: [setting.min! - 1, setting.max! + 1, 1.5, String(setting.default), true, 1e300],
        rule: `${setting.key} must be an integer from ${setting.min} to ${setting.max}`,
      };
    case 'enum':
      return {
        valid: setting.values!,
        invalid: ['nope', setting.values![0].toUpperCase(), 1, false],
        rule: `${setting.key} must be one of: ${setting.values!.join(', ')}`,
      };
    case 'list': {
      // An entry the setting takes (its entries are checked too: models, durations).
      const entry = (setting.default as string[])[0] ?? 'groq';
      const fewest = setting.min_items ?? 0;
      return {
        valid: [
          ...(fewest === 0 ? [[]] : []),
          setting.default,
          Array(setting.max_items).fill(entry),
        ],
        invalid: [
          ...(fewest > 0 ? [Array(fewest - 1).fill(entry)] : []),
          entry,
          [1],
          [''],
          ['x'.repeat(setting.max_length! + 1)],
          Array(setting.max_items! + 1).fill(entry),
          {},
          true,
        ],
        rule:
          `${setting.key} must be a list of ` +
          (fewest > 0 ? `${fewest} to ${setting.max_items}` : `at most ${setting.max_items}`) +
          ` strings of 1 to ${setting.max_length} characters`,
      };
    }
  }
}

describe('admin settings', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: ENV });
    admin = await createUser(t, { role: 'admin' });
  });

  afterAll(async () => {
    await t?.close();
  });

  const list = async (app = t): Promise<Setting[]> =>
    (await app.http.get('/api/admin/settings').set(admin.auth).expect(200)).body;
  const put = (key: string, body: unknown, app = t) =>
    app.http
      .put(`/api/admin/settings/${key}`)
      .set(admin.auth)
      .send(body as object);

  it('lists every setting with its value, type, range, default and description', async () => {
    const settings = await list();
    expect(settings.map((setting) => setting.key).sort()).toEqual(Object.keys(SETTINGS).sort());
    expect(settings.filter((s) => s.key.startsWith('provider_enabled.'))).toHaveLength(9);
    const byKey = new Map(settings.map((setting) => [setting.key, setting]));
    expect(byKey.get('cost_mode')).toEqual({
      key: 'cost_mode',
      value: 'balanced',
      type: 'enum',
      default: 'balanced',
      values: ['quality', 'balanced', 'economy'],
      description: expect.stringContaining('economy'),
    });
    expect(byKey.get('daily_message_limit')).toEqual({
      key: 'daily_message_limit',
      value: 200,
      type: 'integer',
      default: 200,
      min: 1,
      max: 1_000_000,
      description: expect.any(String),
    });
    expect(byKey.get('allowed_models.guest')).toEqual({
      key: 'allowed_models.guest',
      value: ['groq', 'cerebras', 'openrouter:*:free'],
      type: 'list',
      default: ['groq', 'cerebras', 'openrouter:*:free'],
      max_items: 100,
      max_length: 200,
      description: expect.stringContaining('auto'),
    });
    expect(byKey.get('provider_enabled.groq')).toEqual({
      key: 'provider_enabled.groq',
      value: true,
      type: 'boolean',
      default: true,
      description: expect.stringContaining('groq'),
    });
  });

  it('accepts every valid value of every setting and refuses invalid ones, naming the rule', async () => {
    for (const setting of await list()) {
      const { valid, invalid, rule } = cases(setting);
      for (const value of valid) {
        const res = await put(setting.key, { value });
        expect({ key: setting.key, value, status: res.status }).toEqual({
          key: setting.key,
          value,
          status: 200,
        });
        expect(res.body).toMatchObject({ key: setting.key, value, type: setting.type });
        expect(await t.app.get(SettingsService).get(setting.key as never)).toEqual(value);
      }
      for (const value of invalid) {
        const res = await put(setting.key, { value });
        expect({ key: setting.key, value, status: res.status, message: res.body.message }).toEqual({
          key: setting.key,
          value,
          status: 400,
          message: rule,
        });
      }
      await put(setting.key, { value: setting.default }).expect(200);
    }
    for (const setting of await list()) expect(setting.value).toEqual(setting.default);
    expect(t.errorLogs()).toEqual([]);
  });

  it('refuses unknown settings, a missing or null value and unknown fields', async () => {
    const unknown = await put('nope', { value: true }).expect(400);
    expect(unknown.body.message).toBe('Unknown setting: nope');
    const proto = await put('__proto__', { value: true }).expect(400);
    expect(proto.body.message).toBe('Unknown setting: __proto__');
    for (const body of [{}, { value: null }]) {
      const res = await put('cost_mode', body).expect(400);
      expect(res.body.message).toBe(
        'value is required (a boolean, integer, string or list of strings)',
      );
    }
    const provider = await put('allowed_models.free', { value: ['groq', 'acme:x'] }).expect(400);
    expect(provider.body.message).toMatch(/^allowed_models.free: 'acme' is not a provider/);
    const shape = await put('allowed_models.free', { value: ['groq llama'] }).expect(400);
    expect(shape.body.message).toBe(
      "allowed_models.free: 'groq llama' is not *, a provider or provider:model",
    );
    const extra = await put('cost_mode', { value: 'economy', scope: 'all' }).expect(400);
    expect(extra.body.message).toBe('property scope should not exist');
    expect((await list()).find((s) => s.key === 'cost_mode')!.value).toBe('balanced');
  });

  it('records each change in the audit log with who, before and after', async () => {
    await put('max_personas', { value: 25 }).expect(200);
    await put('max_personas', { value: 30 }).expect(200);
    const { body } = await t.http
      .get('/api/admin/audit?action=setting.update&page_size=2')
      .set(admin.auth)
      .expect(200);
    expect(body).toMatchObject({ page: 1, page_size: 2, has_more: true });
    expect(body.items).toEqual([
      {
        id: expect.any(String),
        actor_id: admin.id,
        actor_email: admin.email,
        action: 'setting.update',
        target: 'setting:max_personas',
        before: 25,
        after: 30,
        created_at: expect.any(String),
      },
      expect.objectContaining({ target: 'setting:max_personas', before: 10, after: 25 }),
    ]);
    // Refused writes leave no trace.
    await put('max_personas', { value: 0 }).expect(400);
    const again = await t.http
      .get('/api/admin/audit?action=setting.update&page_size=1')
      .set(admin.auth)
      .expect(200);
    expect(again.body.items[0]).toMatchObject({ before: 25, after: 30 });
    await t.http.get('/api/admin/audit?action=nope').set(admin.auth).expect(400);
  });

  it('notify_registration mails the admins about each new registration, only while on', async () => {
    const mail = t.app.get(MailService);
    const registrationMails = () =>
      mail.outbox.filter((message) => message.subject === 'New registration');
    await put('notify_registration', { value: false }).expect(200);
    await registerUser(t);
    expect(registrationMails()).toHaveLength(0);

    await put('notify_registration', { value: true }).expect(200);
    const first = await registerUser(t);
    const second = await registerUser(t);
    expect(registrationMails()).toEqual([
      expect.objectContaining({
        to: ['boss@example.com', 'ops@example.com'],
        text: expect.stringContaining(first.email),
      }),
      expect.objectContaining({ text: expect.stringContaining(second.email) }),
    ]);
    await put('notify_registration', { value: false }).expect(200);
  });

  it('anon_message_limit sets what guests may send (0 turns guest chat off)', async () => {
    const session = '3f0c9a4e-6d1b-4c2a-9e8f-1a2b3c4d5e6f';
    const limit = () =>
      t.http.get('/api/chats/anon-limit').set('X-Anon-Session', session).expect(200);
    expect((await limit()).body).toMatchObject({ limit: 20, enabled: true });
    await put('anon_message_limit', { value: 5 }).expect(200);
    expect((await limit()).body).toMatchObject({ limit: 5, remaining: 5, enabled: true });
    await put('anon_message_limit', { value: 0 }).expect(200);
    expect((await limit()).body).toMatchObject({ limit: 0, enabled: false });
    await put('anon_message_limit', { value: 20 }).expect(200);
  });

  describe('on a second instance', () => {
    let other: TestApp;

    beforeAll(async () => {
      other = await createTestApp({ env: ENV, databaseUrl: t.databaseUrl });
    });

    afterAll(async () => {
      await other?.close();
    });

    it('a change reaches another instance within the 60 s cache, and at once on the one that took it', async () => {
      expect(SETTINGS_CACHE_TTL_MS).toBe(60_000);
      const otherMail = other.app.get(MailService);
      const mailsOnOther = () =>
        otherMail.outbox.filter((message) => message.subject === 'New registration').length;
      // The other instance reads notify_registration (false) and caches it.
      await registerUser(other);
      expect(mailsOnOther()).toBe(0);

      await put('notify_registration', { value: true }).expect(200);
      expect(await t.app.get(SettingsService).get('notify_registration')).toBe(true);
      // Within the TTL the other instance still works from its copy.
      await registerUser(other);
      expect(mailsOnOther()).toBe(0);

      // Past the TTL it reads the database again. Date.now drives the cache's expiry; moving it
      // is harmless for the rest of the app (rate limits are off, tokens last days).
      const realNow = Date.now.bind(Date);
      const clock = jest
        .spyOn(Date, 'now')
        .mockImplementation(() => realNow() + SETTINGS_CACHE_TTL_MS);
      try {
        const latecomer = await registerUser(other);
        expect(mailsOnOther()).toBe(1);
        expect(otherMail.outbox.at(-1)!.text).toContain(latecomer.email);
      } finally {
        clock.mockRestore();
        await put('notify_registration', { value: false }).expect(200);
      }
    });

    it('the admin list always reads the database, whichever instance serves it', async () => {
      const otherSettings = other.app.get(SettingsService);
      expect(await otherSettings.get('cost_mode')).toBe('balanced');
      await put('cost_mode', { value: 'economy' }).expect(200);
      expect(await otherSettings.get('cost_mode')).toBe('balanced');
      const listed = await list(other);
      expect(listed.find((setting) => setting.key === 'cost_mode')!.value).toBe('economy');
      await put('cost_mode', { value: 'balanced' }).expect(200);
      expect(other.errorLogs()).toEqual([]);
    });
  });
});
