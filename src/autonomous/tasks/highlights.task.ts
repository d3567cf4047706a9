import { Injectable, Logger } from '@nestjs/common';
import {
  CatalogueMaintenanceService,
  type CharacterSummary,
} from '../../characters/catalogue-maintenance.service.js';
import type { Highlight } from '../../characters/entities/character.entity.js';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { LlmService } from '../../llm/llm.service.js';
import { askForJson, type Checked } from '../ask-json.js';
import { DAY_MS, type AutonomousTask, type TaskResult } from '../autonomous-task.js';
import { humanizeText } from '../text-humanizer.js';

export const HIGHLIGHTS_PER_LANGUAGE = 2;
export const HIGHLIGHT_CHARACTERS_PER_RUN = 10;
const MIN_LENGTH = 15;
const MAX_LENGTH = 140;

const QUOTE_EDGE = /^["'«»“”„‘’`]|["'«»“”„‘’`]$/u;
/** Star ratings, scores, handles: the marks of a user review. */
const REVIEW_MARKS =
  /[★☆@]|\d+(?:[.,]\d)?\s*\/\s*(?:5|10)(?!\d)|\d\s*(?:stars?|звезд\p{L}*|estrellas|étoiles|sterne|estrelas|stelle)(?!\p{L})/iu;
/** An editorial phrase speaks of the character, never as a user ("I", "my", "recommend"). */
const FIRST_PERSON: Record<Language, RegExp> = {
  ru: /(?<!\p{L})(?:я|мне|меня|мой|моя|моё|мои|рекоменд\p{L}*)(?!\p{L})/iu,
  en: /\b(?:I|I'm|I've|I'd|me|my|recommend\w*)\b/iu,
  es: /(?<!\p{L})(?:yo|me encanta|mi|recomiendo)(?!\p{L})/iu,
  fr: /(?<!\p{L})(?:(?:je|moi|mon|recommande)(?!\p{L})|j['’])/iu,
  de: /(?<!\p{L})(?:ich|mich|mir|mein\p{L}*|empfehle)(?!\p{L})/iu,
  pt: /(?<!\p{L})(?:eu|meu|minha|recomendo)(?!\p{L})/iu,
  it: /(?<!\p{L})(?:io|mio|mia|consiglio)(?!\p{L})/iu,
};

/**
 * Two editorial highlights per language, or the problems. Pure, so it is unit tested.
 * Highlights describe the character in the third person; anything that looks like a quoted
 * user review (quotes, first person, ratings, handles) is rejected.
 */
export function checkHighlights(json: Record<string, unknown>): Checked<Highlight[]> {
  const problems: string[] = [];
  const highlights: Highlight[] = [];
  for (const lang of LANGUAGES) {
    const phrases = json[lang];
    if (
      !Array.isArray(phrases) ||
      phrases.length !== HIGHLIGHTS_PER_LANGUAGE ||
      !phrases.every((phrase) => typeof phrase === 'string')
    ) {
      problems.push(`${lang} must be an array of ${HIGHLIGHTS_PER_LANGUAGE} strings`);
      continue;
    }
    const texts = (phrases as string[]).map((phrase) => humanizeText(phrase.trim()));
    if (new Set(texts.map((text) => text.toLowerCase())).size !== texts.length) {
      problems.push(`${lang} has the same phrase twice`);
    }
    for (const text of texts) {
      if (text.length < MIN_LENGTH || text.length > MAX_LENGTH) {
        problems.push(`${lang}: "${text}" must be ${MIN_LENGTH}-${MAX_LENGTH} characters`);
      } else if (
        QUOTE_EDGE.test(text) ||
        REVIEW_MARKS.test(text) ||
        FIRST_PERSON[lang].test(text)
      ) {
        problems.push(
          `${lang}: "${text}" reads like a user review; write an editorial phrase about the character`,
        );
      } else {
        highlights.push({ text, lang });
      }
    }
  }
  return problems.length > 0 ? { problems: problems.join('; ') } : { value: highlights };
}

const INSTRUCTIONS = [
  'You write editorial highlights for the catalogue page of a roleplay character: short',
  'descriptive phrases in the third person about what makes chatting with them worthwhile',
  '(e.g. "A smuggler who bargains with secrets instead of coins").',
  'They are not reviews: no quotes, no first person, no ratings, no user names, no praise',
  `of the site. Each phrase ${MIN_LENGTH}-${MAX_LENGTH} characters.`,
  `Write exactly ${HIGHLIGHTS_PER_LANGUAGE} different phrases in each language: ${LANGUAGES.join(', ')}.`,
  'Answer with one JSON object and nothing else: keys are the language codes, values arrays of',
  'the phrases.',
].join('\n');

/**
 * Daily: highlight phrases for up to 10 public characters that have none (spec:
 * highlight_generator.py). A character whose phrases stay invalid after one retry is skipped
 * and comes up again tomorrow.
 */
@Injectable()
export class HighlightsTask implements AutonomousTask {
  readonly name = 'highlights';
  readonly description = `Writes ${HIGHLIGHTS_PER_LANGUAGE} editorial highlights per language for up to ${HIGHLIGHT_CHARACTERS_PER_RUN} characters without any`;
  readonly intervalMs = DAY_MS;
  private readonly logger = new Logger(HighlightsTask.name);

  constructor(
    private readonly llm: LlmService,
    private readonly catalogue: CatalogueMaintenanceService,
  ) {}

  async run(): Promise<TaskResult> {
    const characters = await this.catalogue.withoutHighlights(HIGHLIGHT_CHARACTERS_PER_RUN);
    let written = 0;
    const skipped: string[] = [];
    for (const character of characters) {
      const asked = await askForJson(
        this.llm,
        [
          { role: 'system', content: INSTRUCTIONS },
          { role: 'user', content: describe(character) },
        ],
        checkHighlights,
        { temperature: 0.8, maxTokens: 1500 },
      );
      if ('problems' in asked) {
        this.logger.warn(`No valid highlights for ${character.id}: ${asked.problems}`);
        skipped.push(character.id);
      } else if (await this.catalogue.setHighlights(character.id, asked.value)) {
        written++;
      }
    }
    await this.catalogue.markHighlightsTried(skipped);
    return { characters: characters.length, written, skipped };
  }
}

const describe = (character: CharacterSummary) =>
  [
    `Name: ${character.name}`,
    `Description: ${character.description}`,
    `Tags: ${character.tags.join(', ')}`,
  ].join('\n');
