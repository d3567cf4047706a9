import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { AvatarStorage } from '../../src/characters/avatar-storage.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { seedCharacter } from './seo-support.js';

/** Debian's chromium package; .ci/run installs it when missing. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// A 1×1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

const NAME = `Nyx <script>window.__pwned = 1</script> "the" & 'Quiet'`;
const DESCRIPTION = `Keeps a ledger of secrets </script><script>window.__pwned = 2</script> & never raises her voice above a whisper.`;

describe('character page in a real browser', () => {
  let t: TestApp;
  let context: BrowserContext;
  let profile: string;
  let slug: string;

  beforeAll(async () => {
    t = await createTestApp();
    const writer = await createUser(t);
    const avatarUrl = await t.app.get(AvatarStorage).save(PNG);
    ({ slug } = await seedCharacter(t, writer.id, {
      name: NAME,
      description: DESCRIPTION,
      greeting: '*She looks up.* Another visitor </script>',
      personality: 'Calm.',
      structuredTags: ['mystery'],
      avatarUrl,
    }));
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  it('loads without console errors, runs none of the text, and exposes parseable JSON-LD', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
    });

    const response = await page.goto(`${t.url}/api/seo/c/${slug}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    // The avatar really loaded (same origin, allowed by the CSP's img-src 'self').
    expect(
      await page.$eval(
        'article img',
        (img) => (img as unknown as { naturalWidth: number }).naturalWidth,
      ),
    ).toBe(1);

    const blocks = await page.$$eval('script[type="application/ld+json"]', (scripts) =>
      scripts.map((script) => script.textContent ?? ''),
    );
    const parsed = blocks.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(parsed.map((block) => block['@type'])).toEqual(['CreativeWork', 'BreadcrumbList']);
    expect(parsed[0]).toMatchObject({ name: NAME, description: DESCRIPTION });

    expect(await page.title()).toBe(`${NAME} — AI character chat | SweetSin`);
    expect(await page.$eval('h2 + p', (p) => p.textContent)).toBe(DESCRIPTION);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(2);
    expect(problems).toEqual([]);
  }, 60_000);
});
