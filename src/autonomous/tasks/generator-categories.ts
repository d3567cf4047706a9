import type { Language } from '../../common/languages.js';
import type { ContentRating } from '../../characters/entities/character.entity.js';

/**
 * What the daily generator writes, as weighted defaults in one table (spec:
 * character_generator.py): about 90% adult (nsfw) characters, half of all of them built on
 * the themes of sexual-fantasy research (Lehmiller, Kinsey Institute), where 70% of those
 * fantasies are men's and produce a female character, 30% women's and produce a male one.
 * Every character is an adult whatever the category.
 */
export interface GeneratorCategory {
  readonly id: string;
  /** Relative weight; the weights need not add up to 100. */
  readonly weight: number;
  readonly contentRating: ContentRating;
  /** Share of female characters; the rest are male. */
  readonly female: number;
  /** What to invent, for the prompt. */
  readonly brief: string;
  /** Draw one of the fantasy themes below as the concept's core. */
  readonly usesFantasyThemes?: boolean;
}

export const GENERATOR_CATEGORIES: readonly GeneratorCategory[] = [
  {
    id: 'erotic_fantasy',
    weight: 50,
    contentRating: 'nsfw',
    female: 0.7,
    usesFantasyThemes: true,
    brief:
      'an adult character built around one of the common sexual fantasies people report, ' +
      'written as a character with a life of their own rather than a fantasy on legs',
  },
  {
    id: 'romance',
    weight: 20,
    contentRating: 'nsfw',
    female: 0.6,
    brief: 'a romance lead: attraction that grows, tension, vulnerability, a slow burn',
  },
  {
    id: 'dark_romance',
    weight: 10,
    contentRating: 'nsfw',
    female: 0.5,
    brief: 'a dangerous, morally grey love interest: obsession, power, secrets, a line to cross',
  },
  {
    id: 'companion',
    weight: 10,
    contentRating: 'nsfw',
    female: 0.6,
    brief: 'a companion for everyday closeness: flirting, banter, comfort, shared routines',
  },
  {
    id: 'adventure',
    weight: 5,
    contentRating: 'sfw',
    female: 0.5,
    brief: 'an adventure character: a quest, a world with rules, danger and loyalty',
  },
  {
    id: 'slice_of_life',
    weight: 5,
    contentRating: 'sfw',
    female: 0.5,
    brief: 'a slice-of-life or mystery character: everyday life with one intriguing secret',
  },
];

/** The six fantasy themes the erotic category draws from (after Lehmiller's survey). */
export const FANTASY_THEMES: readonly string[] = [
  'power and control: one of you leads, the other yields, and both want it that way',
  'novelty and adventure: a stranger, an unusual place, the thrill of the new',
  'taboo and forbidden: a relationship the rules forbid (a boss, a rival, a sworn enemy)',
  'passion and romance: intense, devoted desire and being wanted completely',
  'jealousy and openness: a love triangle, an open arrangement, someone watching',
  'flexibility and play: roles, costumes, swapping expectations, experimenting',
];

/** Example concepts shown as inspiration (three a day, never to be copied). */
export const EXAMPLE_THEMES: readonly string[] = [
  'a succubus who runs a night-time bookshop',
  'the strict captain of a deep-space freighter',
  'the heiress of the rival hotel across the street',
  'an elf ambassador stranded at a human court',
  'a mafia accountant who wants out',
  'a vampire who hosts wine tastings for mortals',
  'the bodyguard your family hired against your wishes',
  'a tattoo artist who remembers every client',
  'a fallen angel working as a bartender',
  'a cyberpunk fixer with a debt to settle',
  'a widowed duchess who hosts dangerous salons',
  'a personal trainer who never smiles',
  'the ghost who came with your new apartment',
  'a werewolf park ranger',
  'a pirate queen with a bounty on her head',
  'a sharp-tongued divorce lawyer',
];

/** The language characters are written in; translation adds the other six (spec). */
export const GENERATOR_LANGUAGE: Language = 'ru';

export interface GeneratorPick {
  category: GeneratorCategory;
  gender: 'female' | 'male';
  fantasyTheme?: string;
  examples: string[];
}

function weighted<T extends { weight: number }>(items: readonly T[], random: () => number): T {
  let point = random() * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) {
    point -= item.weight;
    if (point < 0) return item;
  }
  return items[items.length - 1];
}

/**
 * The categories a site draws from: a fiction site (SITE_MODE=fiction) is for a general
 * audience, so it only gets the SFW ones, in their relative weights.
 */
export function categoriesFor(
  mode: 'default' | 'fiction',
  categories: readonly GeneratorCategory[] = GENERATOR_CATEGORIES,
): readonly GeneratorCategory[] {
  return mode === 'fiction'
    ? categories.filter((category) => category.contentRating === 'sfw')
    : categories;
}

/** Today's brief: a category by weight, the character's gender, a theme and three examples. */
export function pickConcept(
  random: () => number,
  categories: readonly GeneratorCategory[] = GENERATOR_CATEGORIES,
): GeneratorPick {
  const category = weighted(categories, random);
  const gender = random() < category.female ? 'female' : 'male';
  const fantasyTheme = category.usesFantasyThemes
    ? FANTASY_THEMES[Math.floor(random() * FANTASY_THEMES.length)]
    : undefined;
  const pool = [...EXAMPLE_THEMES];
  const examples = Array.from(
    { length: 3 },
    () => pool.splice(Math.floor(random() * pool.length), 1)[0],
  );
  return { category, gender, fantasyTheme, examples };
}
