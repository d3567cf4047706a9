import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';
import { jsonLdBlocks, meta, parseXml, seedCharacter } from './seo-support.js';

// Issue #20 item 9: card macros never reach a public page, feed or JSON-LD.

const DESCRIPTION =
  '{{char}} keeps the last lamp of the coast lit for {{user}}, and <BOT> never sleeps while a ' +
  'ship is out; {{random::storms::gales}} do not frighten {{Char}}.';
const RU_DESCRIPTION =
  '{{char}} держит последний маяк побережья для {{user}} и не спит, пока корабль в море; ' +
  '{{random::штормы::бури}} не пугают <BOT>.';

/** A macro's opening, or a legacy macro raw or escaped (`}}` also ends nested JSON objects). */
const MACRO = /\{\{|<\s*(bot|user)\s*>|&lt;\s*(bot|user)\s*&gt;/i;

describe('public text is free of card macros', () => {
  let t: TestApp;
  let slug: string;

  beforeAll(async () => {
    t = await createTestApp();
    const writer = await createUser(t);
    ({ slug } = await seedCharacter(t, writer.id, {
      name: 'Mira the Keeper',
      description: DESCRIPTION,
      greeting: '*The lamp swings.* You made it, {{user}}. <USER>, sit by {{char}}.',
      personality: '{{char}} is patient with {{user}}.',
      scenario: '{{user}} washes ashore below the tower of {{char}}.',
      appearance: '{{char}} wears an oilskin coat.',
      tags: ['dnd'],
      structuredTags: ['fantasy'],
      highlights: [{ text: '{{char}} once rowed out for {{user}} alone.', lang: 'en' }],
      translations: {
        ru: {
          name: 'Мира-смотрительница',
          description: RU_DESCRIPTION,
          greeting: 'Ты добрался, {{user}}. Садись к {{char}}.',
        },
      },
      realChatCount: 100,
    }));
    // A name holding a macro, and two more campaigns so the listings are full pages.
    await seedCharacter(t, writer.id, {
      name: '{{user}} Hunter',
      description: `{{char}} hunts storms for {{user}}. ${DESCRIPTION}`,
      tags: ['dnd'],
      structuredTags: ['fantasy'],
    });
    await seedCharacter(t, writer.id, {
      name: 'Oskar',
      tags: ['dnd'],
      structuredTags: ['fantasy'],
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  const get = async (path: string): Promise<string> => {
    const res = await t.http.get(`/api/seo/${path}`).expect(200);
    return res.text;
  };

  it('shows no macro on any page, feed, sitemap or JSON-LD, in every language', async () => {
    const paths = [
      'home',
      `c/${slug}`,
      'tags/fantasy',
      'campaigns',
      'feed.xml',
      'sitemap.xml',
      'faq',
      'about',
      'terms',
      'privacy',
      'robots.txt',
    ];
    const found: string[] = [];
    for (const lang of ['en', 'ru', 'de']) {
      for (const path of paths) {
        const body = await get(`${path}${path.includes('.') ? '' : `?lang=${lang}`}`);
        const macro = MACRO.exec(body);
        if (macro)
          found.push(`${path} (${lang}): …${body.slice(macro.index - 40, macro.index + 20)}…`);
        for (const block of jsonLdBlocks(body)) {
          if (MACRO.test(JSON.stringify(block))) found.push(`${path} (${lang}) JSON-LD`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it("expands {{char}} to the character's name and {{user}} to the reader, in the text's language", async () => {
    const page = await get(`c/${slug}`);
    const expanded =
      'Mira the Keeper keeps the last lamp of the coast lit for you, and Mira the Keeper never ' +
      'sleeps while a ship is out; do not frighten Mira the Keeper.';
    expect(meta(page, 'description')).toMatch(
      /^Mira the Keeper keeps the last lamp of the coast lit for you, and Mira the Keeper never/,
    );
    expect(meta(page, 'og:description')).toBe(meta(page, 'description'));
    const work = jsonLdBlocks(page).find((block) => block['@type'] === 'CreativeWork');
    expect(work).toMatchObject({ name: 'Mira the Keeper', description: expanded });
    expect(page).toContain('You made it, you. you, sit by Mira the Keeper.');
    expect(page).toContain('Mira the Keeper once rowed out for you alone.');

    const russian = await get(`c/${slug}?lang=ru`);
    expect(meta(russian, 'description')).toMatch(
      /^Мира-смотрительница держит последний маяк побережья для ты/,
    );
    expect(russian).toContain('Садись к Мира-смотрительница.');

    const feed = parseXml(await get('feed.xml')) as {
      rss: { channel: { item: Array<{ title: string; description: string }> } };
    };
    const items = feed.rss.channel.item;
    expect(items.find((item) => item.title === 'Mira the Keeper')?.description).toMatch(
      /^Mira the Keeper keeps the last lamp of the coast lit for you/,
    );
    // A name that holds a macro loses it: the name is what {{char}} stands for.
    expect(items.find((item) => item.title === 'Hunter')?.description).toMatch(
      /^Hunter hunts storms for you\./,
    );
  });
});
