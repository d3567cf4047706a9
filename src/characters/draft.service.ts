import { BadGatewayException, HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { DailyAllowanceService } from '../auth/usage/daily-allowance.service.js';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { MessageQuotaService } from '../auth/usage/message-quota.service.js';
import type { AuthUser } from '../common/auth/auth-user.js';
import type { Language } from '../common/languages.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { SettingsService } from '../common/settings/settings.service.js';
import type { ChatMessage } from '../llm/llm.types.js';
import { LlmService } from '../llm/llm.service.js';
import { CharactersService } from './characters.service.js';
import { CreateCharacterDto } from './dto/character-input.dto.js';
import type { CharacterDraftDto, GenerateDraftDto } from './dto/draft.dto.js';
import { parseStructuredTags, STRUCTURED_TAGS } from './lib/structured-tags.js';
import { extractJsonObject } from './llm-json.js';

const DRAFT_FIELDS = [
  'name',
  'description',
  'personality',
  'scenario',
  'greeting',
  'alternate_greetings',
  'example_dialogues',
  'appearance',
  'speech_pattern',
  'tags',
  'structured_tags',
  'response_length',
  'max_tokens',
  'content_rating',
  'original_language',
] as const;

function instructions(language: Language): string {
  return [
    "You design characters for a roleplay chat platform. Turn the user's idea into one character.",
    `Write every text field in the language with ISO code "${language}".`,
    'Answer with one JSON object and nothing else, with these keys:',
    '- name (at most 100 characters)',
    '- description (2-4 sentences a reader sees in the catalogue)',
    '- personality (8-12 behavioural traits including contradictions, flaws, goals and fears)',
    '- scenario (where and how the story starts)',
    '- greeting (the first message: an action, a sensory detail, a line of dialogue, and a hook)',
    '- example_dialogues (2-3 short exchanges in different moods, lines starting with {{user}}: and {{char}}:)',
    '- appearance (concrete, character-revealing details)',
    '- speech_pattern (how they talk, with two or three example phrases)',
    '- tags (comma-separated, lower case, at most 8)',
    `- structured_tags (comma-separated, only from: ${STRUCTURED_TAGS.map((tag) => tag.id).join(', ')})`,
    '- response_length (one of short, medium, long, very_long)',
    '- content_rating ("sfw" unless the idea is explicitly adult, then "nsfw")',
    'All characters are adults.',
  ].join('\n');
}

/** AI drafts from a free-text idea (spec: "AI generation from text"); nothing is saved. */
@Injectable()
export class DraftService {
  private readonly logger = new Logger(DraftService.name);

  constructor(
    private readonly llm: LlmService,
    private readonly characters: CharactersService,
    private readonly quota: MessageQuotaService,
    private readonly allowance: DailyAllowanceService,
    private readonly settings: SettingsService,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Counts as one message of the user's daily limit and one of `ai_drafts_per_user_daily`
   * (admins excepted), both given back when no draft came out; its tokens count toward the
   * platform's background budget (503 once that is spent).
   */
  async generate(dto: GenerateDraftDto, user: AuthUser): Promise<CharacterDraftDto> {
    const capped = user.role !== 'admin';
    if (capped) {
      const limit = await this.settings.get('ai_drafts_per_user_daily');
      if (!(await this.allowance.take('draft', user.id, limit))) {
        this.metrics.refusals.quotaSpent('ai_drafts');
        throw new HttpException(
          `Daily AI draft limit reached (${limit} per day); it resets at midnight UTC`,
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
    }
    try {
      const ticket = await this.quota.consume({ user });
      try {
        return await this.write(dto, user);
      } catch (error) {
        await this.quota.refund(ticket);
        throw error;
      }
    } catch (error) {
      if (capped) await this.allowance.giveBack('draft', user.id);
      throw error;
    }
  }

  private async write(dto: GenerateDraftDto, user: AuthUser): Promise<CharacterDraftDto> {
    const language = dto.language ?? (await this.characters.displayLanguage(user));
    const messages: ChatMessage[] = [
      { role: 'system', content: instructions(language) },
      { role: 'user', content: dto.text },
    ];
    // One retry with the problems spelled out; models usually fix what they are told.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const result = await this.llm.generate({
        messages,
        config: { temperature: 0.9, maxTokens: 3000, language },
        background: true,
      });
      const { draft, problems } = await this.check(result.content, language);
      if (draft) return { ...draft, model: result.model };
      this.logger.warn(`Draft attempt ${attempt} by ${result.model} was invalid: ${problems}`);
      messages.push(
        { role: 'assistant', content: result.content },
        {
          role: 'user',
          content: `That is not valid: ${problems}. Answer again with the corrected JSON object only.`,
        },
      );
    }
    throw new BadGatewayException(
      'The model did not write a valid character draft; please try again',
    );
  }

  /** The reply as a create-DTO, checked by the same rules as POST /api/characters. */
  private async check(
    reply: string,
    language: Language,
  ): Promise<{ draft?: Omit<CharacterDraftDto, 'model'>; problems: string }> {
    const json = extractJsonObject(reply);
    if (!json) return { problems: 'the reply contains no JSON object' };
    const picked = Object.fromEntries(
      DRAFT_FIELDS.filter((key) => key in json).map((key) => [key, json[key]]),
    );
    const candidate = plainToInstance(CreateCharacterDto, {
      original_language: language,
      ...picked,
    });
    const errors = await validate(candidate, { whitelist: true });
    if (errors.length > 0) {
      return {
        problems: errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; '),
      };
    }
    const unknownTags = parseStructuredTags(candidate.structured_tags ?? '').unknown;
    if (unknownTags.length > 0)
      return { problems: `unknown structured_tags: ${unknownTags.join(', ')}` };
    return { draft: candidate, problems: '' };
  }
}
