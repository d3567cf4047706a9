import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MailService } from '../../src/common/mail/mail.service.js';
import { KeyValueRepository } from '../../src/common/settings/key-value.repository.js';
import { startFakeLlm, type FakeLlm, type FakeReply } from '../support/fake-llm.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';
import { ADMIN_EMAIL, isHealthCheck, llmEnv, runTask } from './autonomous-support.js';

describe('model monitor', () => {
  let fake: FakeLlm;
  let t: TestApp;
  let admin: TestUser;
  let mail: MailService;
  /** What the fake answers to the health check. */
  let health: FakeReply;

  beforeAll(async () => {
    fake = await startFakeLlm();
    t = await createTestApp({
      env: llmEnv(fake, {
        SITE_NAME: 'Velvet',
        // A free provider: its model list is watched, its health is not checked.
        GROQ_API_KEY: 'groq-key',
        GROQ_BASE_URL: fake.baseURL,
      }),
    });
    admin = await createUser(t, { role: 'admin' });
    mail = t.app.get(MailService);
  });

  beforeEach(() => {
    fake.reset();
    health = { content: 'OK' };
    fake.onRequest((request) => (isHealthCheck(request) ? health : undefined));
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const monitorMails = () => mail.outbox.filter((sent) => sent.subject.includes('Model monitor'));
  const stored = async (provider: string) => {
    const [row] = await t.dataSource.query(`SELECT value FROM prompt_template WHERE key = $1`, [
      `models.${provider}`,
    ]);
    return row && JSON.parse(row.value);
  };

  it('saves a silent baseline, then mails a model change once', async () => {
    const first = await runTask(t, admin, 'model_monitor');
    expect(first.result).toEqual({
      providers: 2,
      added: 0,
      removed: 0,
      health_problems: 0,
      notified: false,
    });
    expect(monitorMails()).toEqual([]);
    expect(await stored('openai')).toMatchObject({
      models: ['fake-model', 'fake-model-large', 'fake-model-mini'],
      health: null,
    });
    // Only paid providers get the minimal request, with the default model and no fallback.
    const checks = fake.requests.filter(isHealthCheck);
    expect(checks).toHaveLength(1);
    expect(checks[0].headers.authorization).toBe('Bearer openai-key');
    expect(checks[0].body).toMatchObject({ model: 'gpt-4.1-mini', max_completion_tokens: 5 });

    fake.setModels([{ id: 'fake-model' }, { id: 'fake-model-large' }, { id: 'fake-model-2' }]);
    const changed = await runTask(t, admin, 'model_monitor');
    expect(changed.result).toMatchObject({ added: 2, removed: 2, notified: true });
    expect(monitorMails()).toHaveLength(1);
    const [sent] = monitorMails();
    expect(sent.to).toEqual([ADMIN_EMAIL]);
    expect(sent.subject).toBe('[Velvet] Model monitor: LLM provider changes');
    expect(sent.text).toContain('openai:\n  added: fake-model-2\n  removed: fake-model-mini');
    expect(sent.text).toContain('groq:\n  added: fake-model-2\n  removed: fake-model-mini');

    const same = await runTask(t, admin, 'model_monitor');
    expect(same.result).toMatchObject({ added: 0, removed: 0, notified: false });
    expect(monitorMails()).toHaveLength(1);
  });

  it('mails a health problem once, and again when it clears', async () => {
    const before = monitorMails().length;
    health = { fault: 'status', status: 401 };

    const broken = await runTask(t, admin, 'model_monitor');
    expect(broken.result).toMatchObject({ health_problems: 1, notified: true });
    expect(monitorMails()).toHaveLength(before + 1);
    expect(monitorMails().at(-1)!.text).toMatch(/\n {2}health: key_error \(401 /);
    expect(await stored('openai')).toMatchObject({ health: 'key_error' });

    const stillBroken = await runTask(t, admin, 'model_monitor');
    expect(stillBroken.result).toMatchObject({ health_problems: 1, notified: false });
    expect(monitorMails()).toHaveLength(before + 1);

    health = { fault: 'status', status: 404 };
    await runTask(t, admin, 'model_monitor');
    expect(monitorMails()).toHaveLength(before + 2);
    expect(monitorMails().at(-1)!.text).toContain('health: model_missing');

    health = { content: 'OK' };
    const fixed = await runTask(t, admin, 'model_monitor');
    expect(fixed.result).toMatchObject({ health_problems: 0, notified: true });
    expect(monitorMails().at(-1)!.text).toContain('health: recovered (was model_missing)');
  });

  it('reports an exhausted balance once while the provider stays blocked', async () => {
    const before = monitorMails().length;
    health = { fault: 'status', status: 402 };

    await runTask(t, admin, 'model_monitor');
    expect(monitorMails()).toHaveLength(before + 1);
    expect(monitorMails().at(-1)!.text).toContain('health: no_balance');
    // The LLM layer blocked the provider and sent its own balance alert.
    expect(mail.outbox.some((sent) => /blocked for 6 hours: no balance/.test(sent.subject))).toBe(
      true,
    );

    fake.reset();
    const blocked = await runTask(t, admin, 'model_monitor');
    expect(blocked.result).toMatchObject({ health_problems: 1, notified: false });
    expect(fake.requests.filter(isHealthCheck)).toHaveLength(0);
    expect(monitorMails()).toHaveLength(before + 1);
    expect(t.errorLogs()).toEqual([]);
  });

  it('keeps a change for the next run when a run fails at a later provider', async () => {
    fake.setModels([{ id: 'fake-model' }, { id: 'fake-model-large' }]);
    await runTask(t, admin, 'model_monitor');
    fake.setModels([{ id: 'fake-model' }, { id: 'fake-model-xl' }]);
    const store = t.app.get(KeyValueRepository);
    const get = store.get.bind(store);
    store.get = async (key: string) => {
      if (key === 'models.groq') throw new Error('database hiccup');
      return get(key);
    };
    const before = monitorMails().length;
    try {
      expect((await runTask(t, admin, 'model_monitor')).status).toBe('failed');
    } finally {
      store.get = get;
    }
    expect(monitorMails()).toHaveLength(before);

    const retried = await runTask(t, admin, 'model_monitor');
    expect(retried.result).toMatchObject({ notified: true });
    expect(monitorMails()).toHaveLength(before + 1);
    expect(monitorMails().at(-1)!.text).toContain(
      'openai:\n  added: fake-model-xl\n  removed: fake-model-large',
    );
  });
});
