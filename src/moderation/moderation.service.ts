import {
  Injectable,
  Logger,
  type OnModuleInit,
  UnprocessableEntityException,
} from '@nestjs/common';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { characterTexts, type ModeratedCharacter } from './character-texts.js';
import { ModerationFlagRepository, type MessageFlag } from './moderation-flag.repository.js';
import {
  DEFAULT_POLICY,
  decide,
  readPolicy,
  refuses,
  type FieldResults,
  type ModerationPolicy,
} from './moderation-policy.js';
import {
  CATEGORY_LABELS,
  type ClassifyContext,
  type ImageModerationClassifier,
  type ModeratedImage,
  type ModerationCheck,
  type ModerationHit,
  type ModerationResult,
  type ModerationStage,
} from './moderation.types.js';
import { OutputScanner } from './output-scanner.js';
import { PROVIDER_MAX_INPUTS, ProviderClassifier, ProviderFailure } from './provider.classifier.js';
import { RulesClassifier } from './rules/rules.classifier.js';

export interface CheckOptions {
  /** An NSFW character or chat: sexual content is expected, a stated minor is refused. */
  nsfw?: boolean;
  /**
   * When the author's account was created, asked only when moderation_new_account_review_days
   * is on and the text would be refused (a new account's character is then held for review).
   */
  accountCreatedAt?: () => Promise<Date | null | undefined>;
}

/** A character that passed: listed as it is, or (`review`) held for a moderator when public. */
export interface CharacterScreening {
  verdict: 'allow' | 'review';
  hits: ModerationHit[];
  /** What the owner is told while it waits. */
  reason: string | null;
}

/** The rules read about this much text (~5 ms) between two turns of the event loop. */
const YIELD_EVERY_CHARS = 32_000;

/** A provider failure is logged at most this often (each one is counted in the metrics). */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * Moderation of text for the other modules: `checkText` for a set of fields at one stage,
 * `screenCharacter` for a character's save, `outputScanner` for a model's reply as it
 * streams, `flagMessage` to put a chat message in the review queue; `checkImage` for avatars
 * (when an image classifier is configured). The built-in rules always run; the provider
 * endpoint, when configured and switched on, is asked too and its failure only counted.
 * Thresholds come from the admin settings.
 */
@Injectable()
export class ModerationService implements OnModuleInit {
  private readonly logger = new Logger(ModerationService.name);
  private readonly rules = new RulesClassifier();
  private readonly provider?: ProviderClassifier;
  /** The provider when MODERATION_IMAGES has it read images; else none: every image passes. */
  private readonly images?: ImageModerationClassifier;
  /** The latest settings read, for the synchronous output scanner. */
  private policy: ModerationPolicy = DEFAULT_POLICY;
  private lastFailureLog = 0;

  constructor(
    private readonly settings: SettingsService,
    private readonly metrics: MetricsService,
    private readonly flags: ModerationFlagRepository,
    @InjectConfig() config: AppConfig,
  ) {
    const provider = config.moderation.provider;
    if (provider) {
      this.provider = new ProviderClassifier(
        { ...provider, timeoutMs: config.moderation.timeoutMs },
        metrics.moderation,
      );
      if (config.moderation.images) this.images = this.provider;
    }
  }

  onModuleInit(): void {
    this.settings.onChange((key) => {
      if (key.startsWith('moderation_')) void this.currentPolicy().catch(() => undefined);
    });
  }

  /**
   * Checks texts (field → text) at one stage. `refuse`: the caller refuses the request;
   * `review`: it holds the content for a moderator (characters) or flags it (messages).
   */
  async checkText(
    texts: Record<string, string>,
    stage: ModerationStage,
    options: CheckOptions = {},
  ): Promise<ModerationCheck> {
    const policy = await this.currentPolicy();
    const context: ClassifyContext = { nsfw: options.nsfw ?? false };
    const fields = Object.entries(texts).filter(([, text]) => text.trim() !== '');
    const results: FieldResults[] = [];
    let sinceYield = 0;
    for (const [field, text] of fields) {
      // A big card (a lorebook of a megabyte) is read in slices: other requests go on between.
      if (sinceYield >= YIELD_EVERY_CHARS) {
        await new Promise((resolve) => setImmediate(resolve));
        sinceYield = 0;
      }
      sinceYield += text.length;
      results.push({
        field,
        results: [{ source: 'rules', result: this.rules.classifySync(text, context) }],
      });
    }
    if (policy.providerEnabled && this.provider && fields.length > 0) {
      const answers = await this.askProvider(
        fields.slice(0, PROVIDER_MAX_INPUTS).map(([, text]) => text),
      );
      answers?.forEach((result, i) => results[i].results.push({ source: 'provider', result }));
    }
    let check = decide(results, policy, context);
    if (
      check.verdict === 'refuse' &&
      stage === 'character' &&
      (await this.isNewAccount(policy, options.accountCreatedAt))
    ) {
      check = decide(results, policy, { ...context, relax: true });
    }
    this.count(stage, check);
    return check;
  }

  /**
   * Checks a character about to be saved (create, edit, import, publish, fork): a refusal is a
   * 422 naming the field and the category; otherwise whether it may be listed.
   */
  async screenCharacter(
    character: ModeratedCharacter,
    options: Pick<CheckOptions, 'accountCreatedAt'> = {},
  ): Promise<CharacterScreening> {
    const check = await this.checkText(characterTexts(character), 'character', {
      nsfw: character.contentRating === 'nsfw',
      accountCreatedAt: options.accountCreatedAt,
    });
    if (check.verdict === 'refuse') throw this.refusalOf(check);
    return {
      verdict: check.verdict,
      hits: check.hits,
      reason: check.verdict === 'review' ? reviewReason(check.hits) : null,
    };
  }

  /**
   * The 422 of a refused check (its verdict `refuse`): the field and the category of the hit
   * that reached its refuse threshold, as a character's refusal names them.
   */
  refusalOf(check: ModerationCheck): UnprocessableEntityException {
    const cause = check.hits.find((hit) => refuses(hit, this.policy)) ?? check.hits[0];
    return new UnprocessableEntityException(refusal(cause));
  }

  /** A streaming scan of a model's reply (rules only, on sentence boundaries). */
  outputScanner(options: { nsfw?: boolean } = {}): OutputScanner {
    // The scanner is synchronous: it uses the latest policy read, refreshed in the background.
    void this.currentPolicy().catch(() => undefined);
    const metrics = this.metrics.moderation;
    return new OutputScanner(this.rules, this.policy, options.nsfw ?? false, {
      checked: (verdict) => metrics.checked('output', verdict),
      hit: (hit) => metrics.hit(hit.category, 'output', hit.source),
    });
  }

  /** Whether replies are held back until checked (moderation_output_hold_back, latest read). */
  get holdsBackOutput(): boolean {
    return this.policy.holdBackOutput;
  }

  /**
   * Checks an avatar before it is stored (an upload, a card's picture) or used (a generated
   * one), by the text's thresholds; `field` names it in a refusal. Without an image classifier
   * (MODERATION_IMAGES off), or with the provider switched off or failing, it passes: as for
   * text, a provider failure never blocks (it is counted), and no rules read pixels.
   */
  async checkImage(
    image: ModeratedImage,
    options: { nsfw?: boolean; field?: string } = {},
  ): Promise<ModerationCheck> {
    if (!this.images) return { verdict: 'allow', hits: [] };
    const policy = await this.currentPolicy();
    if (!policy.providerEnabled) return { verdict: 'allow', hits: [] };
    const context: ClassifyContext = { nsfw: options.nsfw ?? false };
    let result: ModerationResult;
    try {
      result = await this.images.classify(image, context);
    } catch (error) {
      this.logFailure(error, 'the image passed unread');
      return { verdict: 'allow', hits: [] };
    }
    const check = decide(
      [{ field: options.field ?? 'image', results: [{ source: 'provider', result }] }],
      policy,
      context,
    );
    this.count('image', check);
    return check;
  }

  /** Holds a public character for review (or refreshes its open review's hits). */
  openCharacterReview(
    characterId: string,
    ownerId: string,
    screening: CharacterScreening,
  ): Promise<void> {
    return this.flags.openCharacterReview({
      characterId,
      ownerId,
      hits: screening.hits,
      excerpt: screening.hits.find((hit) => hit.excerpt)?.excerpt ?? '',
    });
  }

  /** The owner unpublished or changed a character waiting for review: its review is closed. */
  async withdrawCharacterReview(characterId: string): Promise<void> {
    await this.flags.closeCharacterReview(characterId, {
      status: 'withdrawn',
      decidedBy: null,
      reason: null,
    });
  }

  /**
   * Puts a chat message in the review queue with its hits (the chat hooks: softer hits on a
   * user's message or a model's reply). Returns the flag's id.
   */
  flagMessage(flag: Omit<MessageFlag, 'excerpt'> & { excerpt?: string }): Promise<string> {
    return this.flags.insertMessageFlag({
      ...flag,
      excerpt: flag.excerpt ?? flag.hits.find((hit) => hit.excerpt)?.excerpt ?? '',
    });
  }

  /** The rules alone, synchronously (the review queue scores reported characters with it). */
  scoreWithRules(text: string, nsfw: boolean): ModerationResult {
    return this.rules.classifySync(text, { nsfw });
  }

  /** Reads the settings (cached by SettingsService) and keeps them for the scanner. */
  async currentPolicy(): Promise<ModerationPolicy> {
    this.policy = await readPolicy(this.settings);
    return this.policy;
  }

  private async askProvider(texts: string[]): Promise<ModerationResult[] | null> {
    try {
      return await this.provider!.classifyMany(texts);
    } catch (error) {
      this.logFailure(error, 'the rules alone decided');
      return null;
    }
  }

  private logFailure(error: unknown, outcome: string): void {
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLog = now;
    const why = error instanceof ProviderFailure ? error.message : String(error);
    this.logger.warn(`Provider moderation failed, ${outcome}: ${why}`);
  }

  private async isNewAccount(
    policy: ModerationPolicy,
    createdAt: CheckOptions['accountCreatedAt'],
  ): Promise<boolean> {
    if (policy.newAccountReviewDays <= 0 || !createdAt) return false;
    const created = await createdAt();
    return !!created && Date.now() - created.getTime() < policy.newAccountReviewDays * 86_400_000;
  }

  private count(stage: ModerationStage | 'image', check: ModerationCheck): void {
    this.metrics.moderation.checked(stage, check.verdict);
    for (const hit of check.hits) this.metrics.moderation.hit(hit.category, stage, hit.source);
  }
}

/** The 422's message: the field and the category, as the API names them. */
export const refusal = (hit: ModerationHit): string =>
  `${hit.field}: refused by moderation (${hit.category}: ${CATEGORY_LABELS[hit.category]})`;

/** What a character's owner is told while it waits for review. */
export function reviewReason(hits: ModerationHit[]): string {
  const named = [...new Map(hits.map((hit) => [hit.category, hit])).values()]
    .slice(0, 3)
    .map((hit) => `${CATEGORY_LABELS[hit.category]} (${hit.category}) in ${hit.field}`);
  return `Waiting for a moderator before it is listed: possible ${named.join('; ')}`;
}
