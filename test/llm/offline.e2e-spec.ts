import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('offline provider (no provider key configured)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(() => t?.close());

  it('still lists the static model registries', async () => {
    // A guest's list: free providers only (together is paid, so the guest would get none).
    const res = await t.http.get('/api/models/groq').expect(200);
    expect(res.body.models[0]).toMatchObject({ id: 'moonshotai/kimi-k2-instruct', quality: 8.5 });
  });
});
