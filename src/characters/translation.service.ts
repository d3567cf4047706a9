import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { isSystemEmail } from '../auth/system-accounts.js';
import { DailyAllowanceService } from '../auth/usage/daily-allowance.service.js';
import { UsersService } from '../auth/users.service.js';
import { DeferJobError, JobQueue, PermanentJobError } from '../common/jobs/job-queue.service.js';
import { LANGUAGES, type Language } from '../common/languages.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { BackgroundBudgetSpentError } from '../llm/llm.errors.js';
import { LlmService } from '../llm/llm.service.js';
import { nextUtcDay } from '../llm/usage/background-budget.service.js';
import { CharactersRepository } from './characters.repository.js';
import { TRANSLATE_JOB } from './characters.service.js';
import {
  type CharacterEntity,
  type CharacterTranslation,
  TRANSLATED_FIELDS,
  type TranslatedField,
} from './entities/character.entity.js';
import { extractJsonObject } from './llm-json.js';

const LANGUAGE_NAMES: Record<Language, string> = {
  ru: 'Russian',
  en: 'English',
  es: 'Spanish',
  fr: 'French',
  de: 'German',
  pt: 'Portuguese',
  it: 'Italian',
};

/**
 * Translates a public character's card into the six other languages (spec: translation.py),
 * as a durable job: it survives restarts and retries with backoff. Each language is saved as
 * soon as it is done, so a retry only does what is missing. What it may spend is bounded: one
 * job per owner's daily allowance (`translations_per_owner_daily`; admins and the platform's
 * own accounts excepted, as for drafts), one retry at most when
 * the model's answers are unusable, and the platform's daily background budget; a job over
 * a cap waits for the next UTC day.
 */
@Injectable()
export class TranslationService implements OnModuleInit {
  private readonly logger = new Logger(TranslationService.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly llm: LlmService,
    private readonly characters: CharactersRepository,
    private readonly allowance: DailyAllowanceService,
    private readonly settings: SettingsService,
    private readonly users: UsersService,
  ) {}

  onModuleInit(): void {
    this.jobs.register<{ characterId: string }>(TRANSLATE_JOB, ({ characterId }, job) =>
      this.translate(characterId, job.attempts),
    );
  }

  /** `attempt`: the job's attempt number (a retry neither takes an allowance nor retries twice). */
  async translate(characterId: string, attempt = 1): Promise<void> {
    const character = await this.characters.findById(characterId);
    if (!character) return; // deleted meanwhile
    // Made private since it was queued: publishing it again queues a new job.
    if (!character.isPublic) return;
    if ((await this.llm.availableProviders()).length === 0) {
      // Offline mode: there is nothing to translate with, and template text must not be stored.
      this.logger.log(`No LLM provider available: character ${characterId} stays untranslated`);
      return;
    }
    // Empty fields are left out: nothing to translate, and no invented text comes back.
    const source: CharacterTranslation = Object.fromEntries(
      TRANSLATED_FIELDS.filter((field) => character[field].trim()).map((field) => [
        field,
        character[field],
      ]),
    );
    // Missing, or older than the text (kept meanwhile, so the pages in it go on working).
    const missing = LANGUAGES.filter(
      (lang) =>
        lang !== character.originalLanguage &&
        (!character.translations[lang] || character.staleLanguages.includes(lang)),
    );
    if (missing.length === 0) return;
    const capped = attempt === 1 && (await this.ownerIsCapped(character.ownerId));
    if (capped) {
      const limit = await this.settings.get('translations_per_owner_daily');
      if (!(await this.allowance.take('translation', character.ownerId, limit))) {
        throw new DeferJobError(
          `the owner's ${limit} translations of the day are used`,
          nextUtcDay(),
        );
      }
    }
    try {
      await this.translateMissing(character, source, missing, attempt);
    } catch (error) {
      // What was done is saved; the rest waits for tomorrow's budget. The deferred run is
      // attempt 1 again and takes tomorrow's allowance, so today's goes back.
      if (error instanceof BackgroundBudgetSpentError) {
        if (capped) await this.allowance.giveBack('translation', character.ownerId);
        throw new DeferJobError(error.message, error.resumesAt);
      }
      throw error;
    }
  }

  /** Admins and the platform's own accounts (generated characters) have no daily cap. */
  private async ownerIsCapped(ownerId: string): Promise<boolean> {
    const owner = await this.users.findById(ownerId);
    return !owner || (owner.role !== 'admin' && !isSystemEmail(owner.email));
  }

  private async translateMissing(
    character: CharacterEntity,
    source: CharacterTranslation,
    missing: Language[],
    jobAttempt: number,
  ): Promise<void> {
    const characterId = character.id;
    // Example dialogues can be as long as the rest of the card together: asked for apart, so
    // their length cannot cut the card's answer short, and the card is kept if they fail.
    const { exampleDialogues, ...card } = source;
    const failed: Language[] = [];
    let upstreamFailed = false;
    for (const lang of missing) {
      const attempt = (part: CharacterTranslation) =>
        this.translateInto(part, character.originalLanguage, lang).catch((error: unknown) => {
          if (error instanceof BackgroundBudgetSpentError) throw error;
          upstreamFailed = true;
          this.logger.warn(
            `Translation of ${characterId} into ${lang} failed: ${(error as Error).message}`,
          );
          return null;
        });
      const translation = await attempt(card);
      if (translation && exampleDialogues) {
        const examples = await attempt({ exampleDialogues });
        if (examples?.exampleDialogues) translation.exampleDialogues = examples.exampleDialogues;
      }
      if (!translation) failed.push(lang);
      // Refused only when the text itself changed: that edit queued a job for the new text.
      else if (!(await this.characters.saveTranslation(character, lang, translation))) return;
    }
    if (failed.length === 0) return;
    const message = `not translated into ${failed.join(', ')}`;
    // Unusable answers get one more try: asking on and on pays again for the same mistake.
    if (!upstreamFailed && jobAttempt >= 2) {
      throw new PermanentJobError(`${message}: the model's answers were unusable`);
    }
    throw new Error(message);
  }

  private async translateInto(
    source: CharacterTranslation,
    from: Language,
    to: Language,
  ): Promise<CharacterTranslation | null> {
    const result = await this.llm.generateWithFallback(
      [
        {
          role: 'system',
          content:
            `You translate roleplay character cards from ${LANGUAGE_NAMES[from]} into ${LANGUAGE_NAMES[to]}. ` +
            'Keep the tone, formatting, line breaks and the placeholders {{char}} and {{user}} exactly. ' +
            'Answer with one JSON object with the same keys as the input and nothing else.',
        },
        { role: 'user', content: JSON.stringify(source) },
      ],
      { temperature: 0.3, maxTokens: 4096, language: to },
    );
    const parsed = extractJsonObject(result.content);
    if (!parsed) return null;
    const translation: CharacterTranslation = {};
    for (const field of Object.keys(source) as TranslatedField[]) {
      const value = parsed[field];
      if (typeof value === 'string' && value.length <= 20_000) translation[field] = value;
    }
    // Every field asked for need not come back, but the name must when it was asked for.
    const complete = source.name === undefined || translation.name;
    return complete && Object.keys(translation).length > 0 ? translation : null;
  }
}
