import { beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CharacterEntity, type ContentRating } from '../../characters/entities/character.entity.js';
import { getSnippetsForIds } from '../../characters/lib/structured-tags.js';
import { LANGUAGES, type Language } from '../../common/languages.js';
import type { KeyValueRepository } from '../../common/settings/key-value.repository.js';
import {
  CAMPAIGN_TEMPLATES,
  DND_POST_HISTORY,
  DND_PROMPTS,
  DND_RULE_SECTIONS,
  GAME_MASTER_LABEL,
  isDndChat,
} from '../storytelling/dnd.js';
import {
  ANTI_ECHO,
  ESCALATION,
  NSFW_REMINDER,
  POST_HISTORY_CORE,
  POST_HISTORY_VARIANT_KINDS,
  POST_HISTORY_VARIANTS,
  variantIndex,
} from '../storytelling/post-history.js';
import { PromptBuilderService } from './prompt-builder.service.js';
import { PROMPT_DEFAULTS, PROMPT_KEYS, type PromptKey } from './prompt-defaults.js';
import { PromptTemplatesService } from './prompt-templates.service.js';

/**
 * Golden files of the assembled prompt: the system prompt and the post-history instruction
 * of one fully filled character, for each language × {sfw, nsfw with an adult user}, and of
 * one fully filled campaign card (DnD: its name is a title, its fields describe the world).
 * The goldens live in ./golden/<lang>.<case>.txt as plain text, so a prompt change shows up
 * as a readable diff. After an intended change, regenerate them and review the diff:
 *
 *   UPDATE_GOLDEN=1 NODE_OPTIONS=--experimental-vm-modules npx jest src/chat/prompt/prompt-golden.spec.ts
 *
 * Beside each golden, invariants are asserted directly so a golden cannot silently encode a bug.
 */
const GOLDEN_DIR = join(process.cwd(), 'src', 'chat', 'prompt', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const CHAT_ID = '5f0c6a8e-2d7b-4c11-9a59-0c1f7f3b2a10';
/** At least 12, so the goldens carry the escalation block too. */
const MESSAGE_COUNT = 14;
const PERSONA = {
  name: 'Alex',
  description: 'A runaway mechanic with grease under the nails who owes {{char}} a favour.',
};

/** The fixed card: every field the builder reads is filled; only Russian has a translation. */
function character(
  contentRating: ContentRating,
  tags: string[] = ['space', 'smuggler'],
  structuredTags: string[] = ['sci-fi', 'slow-burn'],
) {
  return Object.assign(new CharacterEntity(), {
    name: 'Mira Vance',
    description:
      '{{char}} captains the smuggling ship Meridian: twenty years in the trade and one debt away from losing everything.',
    personality:
      'Sardonic, fiercely loyal to her crew, secretly afraid of deep water. Hides kindness behind teasing.',
    appearance:
      'Short silver hair, a burn scar across her left hand, a long coat with too many pockets.',
    speechPattern:
      'Clipped sentences and dry jokes; calls {{user}} "kid" until {{user}} earns a name.',
    scenario:
      '{{user}} has just stowed away in the cargo hold of the Meridian, minutes before it leaves the rain-soaked port of Kessa.',
    exampleDialogues:
      '<START>\n{{user}}: Where are we going?\n{{char}}: Wherever pays, kid. Sit down and touch nothing.\n<START>\n{{user}}: You scared?\n{{char}}: *Of the sea? Always.* Scared is for passengers. Strap in.',
    structuredTags,
    tags,
    responseLength: 'long',
    contentRating,
    translations: {
      ru: {
        name: 'Мира Вэнс',
        description:
          '{{char}} — капитан контрабандистского корабля «Меридиан»: двадцать лет в деле и один долг до полного краха.',
        personality:
          'Язвительная, до конца преданная команде, втайне боится глубокой воды. Прячет доброту за насмешками.',
        appearance:
          'Короткие серебристые волосы, ожог на левой руке, длинный плащ со слишком большим количеством карманов.',
        scenario:
          '{{user}} только что пробрался в грузовой трюм «Меридиана» за несколько минут до отлёта из дождливого порта Кесса.',
      },
    },
  });
}

const nameIn = (lang: Language): string => (lang === 'ru' ? 'Мира Вэнс' : 'Mira Vance');

/** The player's persona in the campaign: the hero, who owes nobody named {{char}} anything. */
const CAMPAIGN_PERSONA = {
  name: 'Alex',
  description: "A half-elf rogue, once a ship's mechanic: quick with a wrench, bad at lying.",
};

/** The campaign card: a title for a name, the world and how it is run in its fields. */
function campaignCard(
  tags: string[] = ['coast', 'dnd'],
  structuredTags: string[] = ['fantasy', 'mystery'],
) {
  return Object.assign(new CharacterEntity(), {
    name: 'The Lantern Coast',
    description:
      '{{char}} is a low-fantasy campaign on a storm-wracked coast, where smugglers, wreckers and a drowned god fight over the lighthouses.',
    personality:
      'Grim but fair: danger is real, clever plans are rewarded, and the humour comes from the NPCs.',
    appearance: 'Slate cliffs, salt-crusted lanterns, fishing towns on stilts above black water.',
    speechPattern: 'Terse, sensory narration; NPCs speak in the clipped dialect of the coast.',
    scenario: '{{user}} reaches the harbour town of Kessa on the night its lighthouse goes dark.',
    exampleDialogues:
      '<START>\n{{user}}: I climb the lighthouse stairs.\n{{char}}: The iron steps ring under your boots. Somewhere above, glass crunches.\n<START>\n{{user}}: I ask the harbourmaster about the wreck.\n{{char}}: Old Teodor spits over the rail. "Ask the sea, stranger."',
    structuredTags,
    tags,
    responseLength: 'long',
    contentRating: 'sfw',
    translations: {
      ru: {
        name: 'Фонарный берег',
        description:
          '{{char}} — кампания в духе low fantasy на штормовом побережье, где контрабандисты, мародёры и утонувший бог борются за маяки.',
        scenario: '{{user}} прибывает в портовый городок Кесса в ту ночь, когда гаснет его маяк.',
      },
    },
  });
}

const titleIn = (lang: Language): string =>
  lang === 'ru' ? 'Фонарный берег' : 'The Lantern Coast';

/** The previous assistant reply (anti-echo input), in the chat language, longer than 8 words. */
const PREVIOUS_REPLY: Readonly<Record<Language, string>> = {
  ru: 'Мира захлопнула люк трюма и медленно обернулась к незваному гостю, не убирая руки с кобуры.',
  en: 'Mira slammed the cargo hatch shut and turned slowly toward the stowaway, one hand on her holster.',
  es: 'Mira cerró de golpe la escotilla de carga y se volvió despacio hacia el polizón, con la mano en la funda.',
  fr: "Mira claqua l'écoutille de la soute et se tourna lentement vers le passager clandestin, la main sur son holster.",
  de: 'Mira schlug die Ladeluke zu und drehte sich langsam zu dem blinden Passagier um, eine Hand am Holster.',
  pt: 'Mira bateu a escotilha de carga e virou-se devagar para o clandestino, com a mão no coldre.',
  it: 'Mira sbatté il portello della stiva e si voltò lentamente verso il clandestino, una mano sulla fondina.',
};

/** The store PromptTemplatesService reads overrides from; empty, so defaults apply. */
function emptyStore(): KeyValueRepository {
  const store = {
    get: async () => undefined,
    getByPrefix: async () => new Map<string, string>(),
    set: async () => undefined,
    delete: async () => undefined,
  } satisfies Pick<KeyValueRepository, 'get' | 'getByPrefix' | 'set' | 'delete'>;
  return store as unknown as KeyValueRepository;
}

type Case = 'sfw' | 'nsfw' | 'dnd';
const CASES: readonly Case[] = ['sfw', 'nsfw', 'dnd'];

interface Assembled {
  system: string;
  /** The summary block: its own system message after the memories, not in the system prompt. */
  summary: string;
  postHistory: string;
}

/** A summary with macros, the same in every golden of a card (the heading is the language's). */
const SUMMARY = '{{user}} stowed away; {{char}} found them and set a price for the passage.';
const CAMPAIGN_SUMMARY =
  "{{user}} found the lighthouse keeper's logbook; the wreckers want it back.";

/** How the reply context calls the builder (reply-context.service.ts), for one setup. */
async function assemble(
  builder: PromptBuilderService,
  lang: Language,
  setup: Setup,
): Promise<Assembled> {
  const campaign = setup.card === 'campaign';
  const card = campaign
    ? campaignCard(setup.tags, setup.structuredTags)
    : character(setup.rating, setup.tags, setup.structuredTags);
  const persona = campaign ? CAMPAIGN_PERSONA : PERSONA;
  const isDnd = isDndChat(card);
  const system = await builder.systemPrompt({
    character: card,
    persona,
    language: lang,
    userIsAdult: setup.userIsAdult,
    isDnd,
  });
  const summary = await builder.summaryBlock({
    character: card,
    persona,
    language: lang,
    summary: campaign ? CAMPAIGN_SUMMARY : SUMMARY,
  });
  const postHistory = await builder.postHistory({
    language: lang,
    chatId: CHAT_ID,
    messageCount: MESSAGE_COUNT,
    lastAssistantText: PREVIOUS_REPLY[lang],
    contentRating: card.contentRating,
    isDnd,
    userIsAdult: setup.userIsAdult,
  });
  return { system, summary: summary ?? '', postHistory: postHistory ?? '' };
}

interface Setup {
  rating: ContentRating;
  userIsAdult: boolean;
  /** Mira Vance (a person) unless the campaign card. */
  card?: 'campaign';
  tags?: string[];
  structuredTags?: string[];
}

const SETUPS: Readonly<Record<Case, Setup>> = {
  sfw: { rating: 'sfw', userIsAdult: true },
  nsfw: { rating: 'nsfw', userIsAdult: true },
  // A campaign card with the free tag 'dnd' (free tags are not part of the prompt).
  dnd: { rating: 'sfw', userIsAdult: true, card: 'campaign' },
};

function render(lang: Language, kind: Case, { system, summary, postHistory }: Assembled): string {
  const setup = SETUPS[kind];
  return [
    `# Golden prompt: language ${lang}, ${kind} case (${setup.card === 'campaign' ? `campaign card "${titleIn('en')}"` : 'character'} ${setup.rating}, adult user` +
      `${setup.card === 'campaign' ? ', campaign chat' : ''}), persona ${PERSONA.name}, chat ${CHAT_ID}, ${MESSAGE_COUNT} messages.`,
    '# Regenerate with UPDATE_GOLDEN=1 (see prompt-golden.spec.ts) and review the diff.',
    '',
    '======== SYSTEM PROMPT ========',
    system,
    '',
    '======== SUMMARY (a system message after the memories) ========',
    summary,
    '',
    '======== POST-HISTORY INSTRUCTION ========',
    postHistory,
    '',
  ].join('\n');
}

function matchGolden(file: string, actual: string): void {
  const path = join(GOLDEN_DIR, file);
  if (UPDATE) {
    if (process.env.CI) throw new Error('UPDATE_GOLDEN is not allowed in CI');
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path)) {
    throw new Error(`Missing golden ${path}: run with UPDATE_GOLDEN=1 once and commit it`);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** A template as the builder fills it for this card (Mira's unless `char` says) and persona. */
const filled = (text: string, lang: Language, char = nameIn(lang)): string =>
  text.replaceAll('{{char}}', char).replaceAll('{{user}}', PERSONA.name);
const tpl = (key: PromptKey, lang: Language, char = nameIn(lang)): string =>
  filled(PROMPT_DEFAULTS[key][lang], lang, char);
/** A campaign template, filled for the campaign card. */
const ctpl = (key: keyof typeof CAMPAIGN_TEMPLATES, lang: Language): string =>
  filled(CAMPAIGN_TEMPLATES[key][lang], lang, titleIn(lang));

/** Asserts every marker occurs exactly once, in the given order. */
function expectInOrder(text: string, markers: readonly string[]): void {
  for (const marker of markers) {
    const first = text.indexOf(marker);
    expect({ marker, found: first >= 0 }).toEqual({ marker, found: true });
    expect({ marker, once: text.indexOf(marker, first + 1) === -1 }).toEqual({
      marker,
      once: true,
    });
  }
  const positions = markers.map((marker) => text.indexOf(marker));
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
}

/** The card sections every case shares, in spec order (identity or GM intro comes first). */
function cardMarkers(lang: Language): string[] {
  const local = lang === 'ru';
  const card = character('sfw');
  const ru = card.translations.ru!;
  return [
    filled(local ? ru.description! : card.description, lang),
    `${tpl('personality', lang)}\n${local ? ru.personality : card.personality}`,
    tpl('structured_tags', lang),
    ...getSnippetsForIds(card.structuredTags, lang),
    `${tpl('appearance', lang)}\n${local ? ru.appearance : card.appearance}`,
    `${tpl('speech_pattern', lang)}\n${filled(card.speechPattern, lang)}`,
    `${tpl('scenario', lang)}\n${filled(local ? ru.scenario! : card.scenario, lang)}`,
    `${tpl('persona', lang)}\n${filled(PERSONA.description, lang)}`,
    `${tpl('example_dialogues', lang)}\nAlex: Where are we going?\n${nameIn(lang)}: Wherever pays, kid.`,
    `\n\nAlex: You scared?\n${nameIn(lang)}: *Of the sea? Always.*`,
    tpl('length_long', lang),
  ];
}

/** The campaign card's sections in spec order, under their campaign headings. */
function campaignMarkers(lang: Language): string[] {
  const local = lang === 'ru';
  const card = campaignCard();
  const ru = card.translations.ru;
  const title = titleIn(lang);
  const gm = GAME_MASTER_LABEL[lang];
  return [
    filled(local ? ru.description : card.description, lang, title),
    `${ctpl('personality', lang)}\n${card.personality}`,
    tpl('structured_tags', lang),
    ...getSnippetsForIds(card.structuredTags, lang),
    `${ctpl('appearance', lang)}\n${card.appearance}`,
    `${ctpl('speech_pattern', lang)}\n${card.speechPattern}`,
    `${tpl('scenario', lang)}\n${filled(local ? ru.scenario : card.scenario, lang, title)}`,
    `${ctpl('persona', lang)}\n${CAMPAIGN_PERSONA.description}`,
    `${ctpl('example_dialogues', lang)}\nAlex: I climb the lighthouse stairs.\n${gm}: The iron steps ring`,
    `\n\nAlex: I ask the harbourmaster about the wreck.\n${gm}: Old Teodor spits`,
    tpl('length_long', lang),
  ];
}

const DASH_LANGUAGES: readonly Language[] = ['ru', 'es', 'fr', 'pt', 'it'];

describe('golden prompts', () => {
  let builder: PromptBuilderService;

  beforeEach(() => {
    builder = new PromptBuilderService(new PromptTemplatesService(emptyStore()));
  });

  describe.each(LANGUAGES)('%s', (lang) => {
    const opening = PREVIOUS_REPLY[lang].split(/\s+/).slice(0, 8).join(' ');
    const antiEcho = ANTI_ECHO[lang].replace('{{opening}}', opening);

    it.each(CASES)('%s: system prompt and post-history match the golden', async (kind) => {
      const assembled = await assemble(builder, lang, SETUPS[kind]);
      matchGolden(`${lang}.${kind}.txt`, render(lang, kind, assembled));
    });

    it('all cases: no macro leftovers, no empty sections, no untranslated template', async () => {
      for (const kind of CASES) {
        const { system, summary, postHistory } = await assemble(builder, lang, SETUPS[kind]);
        // The summary changes as the story goes on: never inside the stable system prompt.
        expect(system).not.toContain(PROMPT_DEFAULTS.summary[lang]);
        expect(summary.startsWith(`${PROMPT_DEFAULTS.summary[lang]}\n`)).toBe(true);
        for (const text of [system, summary, postHistory]) {
          expect(text).not.toMatch(/\{\{|\}\}|<START>|<\/?(bot|user)>/i);
          expect(text).not.toMatch(/\n{3,}/);
          expect(text).toBe(text.trim());
        }
        // A section header must be followed by its content in the same block.
        for (const block of system.split('\n\n')) {
          expect(block.trim()).not.toBe('');
          expect(block.trimEnd()).not.toMatch(/:$/);
        }
        if (lang === 'en') continue;
        // Every template text comes in the chat language, none in English.
        for (const key of PROMPT_KEYS) {
          if (PROMPT_DEFAULTS[key].en === PROMPT_DEFAULTS[key][lang]) continue;
          expect(system).not.toContain(tpl(key, 'en'));
        }
        for (const texts of [...Object.values(DND_PROMPTS), ...Object.values(CAMPAIGN_TEMPLATES)]) {
          expect(system).not.toContain(filled(texts.en, 'en', titleIn('en')));
        }
        for (const texts of [POST_HISTORY_CORE, DND_POST_HISTORY, ESCALATION, NSFW_REMINDER]) {
          expect(postHistory).not.toContain(texts.en);
        }
      }
    });

    it('sfw: roleplay sections in spec order, dialogue style of the language, sfw rules', async () => {
      const { system, postHistory } = await assemble(builder, lang, SETUPS.sfw);
      expect(system.startsWith(`${tpl('identity', lang)}\n`)).toBe(true);
      expectInOrder(system, [
        tpl('identity', lang),
        ...cardMarkers(lang),
        tpl('format_rules', lang),
        tpl('third_person', lang),
        tpl('show_dont_tell', lang),
        tpl('anti_repetition', lang),
        tpl('anti_ai', lang),
        tpl('anti_structural', lang),
        tpl('content_sfw', lang),
      ]);
      expect(system.endsWith(tpl('content_sfw', lang))).toBe(true);
      expect(system).not.toContain(tpl('content_nsfw', lang));
      for (const section of Object.values(DND_PROMPTS)) {
        expect(system).not.toContain(filled(section[lang], lang));
      }
      for (const section of Object.values(CAMPAIGN_TEMPLATES)) {
        expect(system).not.toContain(filled(section[lang], lang));
      }

      // Dialogue sample lines: a dash in ru/es/fr/pt/it, double quotes in en/de.
      const lines = system.split('\n');
      const dashLines = lines.filter((line) => line.startsWith('—'));
      const quoteLines = lines.filter((line) => line.startsWith('"'));
      if (DASH_LANGUAGES.includes(lang)) {
        expect(dashLines).toHaveLength(1);
        expect(quoteLines).toEqual([]);
      } else {
        expect(quoteLines).toHaveLength(1);
        expect(dashLines).toEqual([]);
      }

      expect(postHistory.startsWith(POST_HISTORY_CORE[lang])).toBe(true);
      expect(postHistory).not.toContain(NSFW_REMINDER[lang]);
    });

    it('nsfw with an adult user: the NSFW rules and reminder, nothing else changes', async () => {
      const sfw = await assemble(builder, lang, SETUPS.sfw);
      const nsfw = await assemble(builder, lang, SETUPS.nsfw);
      expect(nsfw.system.endsWith(`\n\n${tpl('content_nsfw', lang)}`)).toBe(true);
      expect(nsfw.system).not.toContain(tpl('content_sfw', lang));
      expect(nsfw.system.replace(tpl('content_nsfw', lang), tpl('content_sfw', lang))).toBe(
        sfw.system,
      );
      expect(nsfw.postHistory).toBe(`${sfw.postHistory}\n${NSFW_REMINDER[lang]}`);
    });

    it('nsfw with a user who is not a confirmed adult: exactly the sfw prompt', async () => {
      const sfw = await assemble(builder, lang, SETUPS.sfw);
      const minor = await assemble(builder, lang, { rating: 'nsfw', userIsAdult: false });
      expect(minor.system).not.toContain(tpl('content_nsfw', lang));
      expect(minor.postHistory).not.toContain(NSFW_REMINDER[lang]);
      expect(minor).toEqual(sfw);
    });

    it('DnD: the GM prompts instead of the roleplay narration rules', async () => {
      const { system, postHistory } = await assemble(builder, lang, SETUPS.dnd);
      const title = titleIn(lang);
      const intro = filled(DND_PROMPTS.intro[lang], lang, title);
      expect(system.startsWith(`${intro}\n`)).toBe(true);
      expectInOrder(system, [
        intro,
        ...campaignMarkers(lang),
        ...DND_RULE_SECTIONS.map((name) => filled(DND_PROMPTS[name][lang], lang)),
        tpl('show_dont_tell', lang),
        ctpl('anti_repetition', lang),
        tpl('anti_ai', lang),
        tpl('anti_structural', lang, title),
        tpl('content_sfw', lang),
      ]);
      expect(system).toContain('[ROLL NdM+X');
      expect(system).toContain('[STATE {');
      for (const key of ['identity', 'format_rules', 'third_person'] as const) {
        expect(system).not.toContain(tpl(key, lang, title));
      }

      expect(postHistory.startsWith(DND_POST_HISTORY[lang])).toBe(true);
      expect(postHistory).not.toContain(POST_HISTORY_CORE[lang]);
      for (const kind of POST_HISTORY_VARIANT_KINDS) {
        expect(postHistory).not.toContain(POST_HISTORY_VARIANTS[kind][lang]);
      }
    });

    it('DnD: the campaign title is never treated as a person', async () => {
      const { system } = await assemble(builder, lang, SETUPS.dnd);
      const title = titleIn(lang);
      // None of the roleplay wordings that make {{char}} someone with a personality, a face,
      // a voice, eyes for the user or hands to act with.
      for (const key of Object.keys(CAMPAIGN_TEMPLATES) as Array<keyof typeof CAMPAIGN_TEMPLATES>) {
        expect({ key, found: system.includes(tpl(key, lang, title)) }).toEqual({
          key,
          found: false,
        });
      }
      // The examples' {{char}} lines are the Game Master's, not the title's.
      expect(system.split('\n').filter((line) => line.startsWith(`${title}:`))).toEqual([]);
      expect(system).toContain(`\n${GAME_MASTER_LABEL[lang]}: The iron steps ring`);
      // The player's persona is the hero, by name.
      expect(system).toContain(ctpl('persona', lang));
      if (lang === 'en') {
        for (const phrase of [`${title}'s personality`, `${title} sees`, `${title} speaks`]) {
          expect(system).not.toContain(phrase);
        }
        expect(system).toContain("The campaign's tone and the Game Master's style:");
        expect(system).toContain(
          'The user plays Alex, the player character: the hero of this campaign.',
        );
      }
    });

    it("DnD: the free tag 'dnd' in any case, or the structured tag, makes a campaign", async () => {
      const campaign = await assemble(builder, lang, SETUPS.dnd);
      const tagged = await assemble(builder, lang, {
        ...SETUPS.dnd,
        tags: ['coast', 'DnD'],
      });
      expect(tagged).toEqual(campaign);
      // The structured tag: the same game master, plus the tag's own snippet among the notes.
      const structured = await assemble(builder, lang, {
        ...SETUPS.dnd,
        tags: ['coast'],
        structuredTags: ['fantasy', 'mystery', 'dnd'],
      });
      expect(structured.postHistory).toBe(campaign.postHistory);
      expect(
        structured.system.startsWith(filled(DND_PROMPTS.intro[lang], lang, titleIn(lang))),
      ).toBe(true);
      expect(structured.system).toContain(getSnippetsForIds(['dnd'], lang)[0]);
      // The same card without the tag is not a campaign: the roleplay templates, the title
      // read as a name.
      const untagged = await assemble(builder, lang, { ...SETUPS.dnd, tags: ['coast'] });
      expect(untagged.system.startsWith(tpl('identity', lang, titleIn(lang)))).toBe(true);
    });

    it('post-history: one stable variant, anti-echo of 8 words, escalation at 14 messages', async () => {
      const { postHistory } = await assemble(builder, lang, SETUPS.sfw);
      const kind = POST_HISTORY_VARIANT_KINDS[variantIndex(CHAT_ID, MESSAGE_COUNT)];
      expect(
        POST_HISTORY_VARIANT_KINDS.filter((k) =>
          postHistory.includes(POST_HISTORY_VARIANTS[k][lang]),
        ),
      ).toEqual([kind]);
      expect(opening.split(' ')).toHaveLength(8);
      expect(PREVIOUS_REPLY[lang].startsWith(opening)).toBe(true);
      expect(postHistory).not.toContain(PREVIOUS_REPLY[lang]);
      expect(postHistory.split('\n')).toEqual([
        POST_HISTORY_CORE[lang],
        POST_HISTORY_VARIANTS[kind][lang],
        antiEcho,
        ESCALATION[lang],
      ]);
      const dnd = await assemble(builder, lang, SETUPS.dnd);
      expect(dnd.postHistory.split('\n')).toEqual([
        DND_POST_HISTORY[lang],
        antiEcho,
        ESCALATION[lang],
      ]);
    });
  });
});
