import { Injectable } from '@nestjs/common';
import { PLATFORM_EMAIL } from '../../auth/system-accounts.js';
import { UsersService } from '../../auth/users.service.js';
import {
  CatalogueMaintenanceService,
  type CharacterSummary,
} from '../../characters/catalogue-maintenance.service.js';
import { STRUCTURED_TAGS } from '../../characters/lib/structured-tags.js';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { LlmService } from '../../llm/llm.service.js';
import type { ChatMessage } from '../../llm/llm.types.js';
import { askForJson, type Checked } from '../ask-json.js';
import {
  DAY_MS,
  type AutonomousTask,
  TaskFailedError,
  type TaskResult,
} from '../autonomous-task.js';
import { AvatarPainter } from '../avatar-painter.js';
import {
  GENERATED_CHARACTER_SHAPE,
  type GeneratedCharacter,
  parseGeneratedCharacter,
} from './generated-character.js';
import {
  categoriesFor,
  GENERATOR_LANGUAGE,
  type GeneratorPick,
  pickConcept,
} from './generator-categories.js';

/** How many of the newest characters the model is told not to repeat. */
const RECENT_LIMIT = 40;
/**
 * Paid providers that write NSFW concepts (spec: character_generator.py), in this order; the
 * free ones of the general autonomous order would refuse most of them.
 */
export const GENERATOR_PROVIDER_ORDER = ['together', 'openai', 'anthropic', 'deepseek'] as const;

function instructions(mode: AppConfig['site']['mode']): string {
  return [
    mode === 'fiction'
      ? 'You invent one original character for a fiction platform read by a general audience.'
      : 'You invent one original character for an adult roleplay chat platform.',
    `Write every text field in the language with ISO code "${GENERATOR_LANGUAGE}", except avatar_prompt (English).`,
    'Every character is an adult of 18 or more. Never state or imply a younger age: no ' +
      'school pupils, teenagers or minors, no ages under 18 anywhere, not even in the past.',
    'Write like a novelist, not like an assistant: concrete, specific, surprising.',
    'Answer with one JSON object and nothing else, with these keys:',
    GENERATED_CHARACTER_SHAPE,
    `Allowed structured_tags: ${STRUCTURED_TAGS.map((tag) => tag.id).join(', ')}`,
  ].join('\n');
}

function brief(pick: GeneratorPick, recent: CharacterSummary[]): string {
  return [
    `Category: ${pick.category.brief}.`,
    `The character is ${pick.gender === 'female' ? 'a woman' : 'a man'}.`,
    ...(pick.fantasyTheme ? [`Core theme: ${pick.fantasyTheme}.`] : []),
    `For inspiration only, do not copy: ${pick.examples.join('; ')}.`,
    ...(recent.length > 0
      ? [
          'These characters exist already; do not repeat their names or concepts:',
          ...recent.map(
            (character) => `- ${character.name}: ${character.description.slice(0, 120)}`,
          ),
        ]
      : []),
  ].join('\n');
}

/**
 * Daily: one new public character (spec: character_generator.py). The model invents a concept
 * from today's weighted category; its JSON is checked (structure, validation, adults only,
 * no sexual behaviour in the personality, a name no public character has), retried once with
 * the problems, and never saved when invalid. The saved character gets an avatar, the
 * humanizer's touch, and a queued translation into the six other languages.
 */
@Injectable()
export class CharacterGeneratorTask implements AutonomousTask {
  readonly name = 'character_generator';
  readonly description = 'Invents and publishes one new character under the platform account';
  readonly intervalMs = DAY_MS;

  constructor(
    private readonly llm: LlmService,
    private readonly catalogue: CatalogueMaintenanceService,
    private readonly users: UsersService,
    private readonly painter: AvatarPainter,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async run(): Promise<TaskResult> {
    const pick = pickConcept(Math.random, categoriesFor(this.config.site.mode));
    const recent = await this.catalogue.recentPublic(RECENT_LIMIT);
    const messages: ChatMessage[] = [
      { role: 'system', content: instructions(this.config.site.mode) },
      { role: 'user', content: brief(pick, recent) },
    ];
    const asked = await askForJson(
      this.llm,
      messages,
      (json) => this.check(json, pick),
      { temperature: 0.95, maxTokens: 4000, language: GENERATOR_LANGUAGE },
      { providerOrder: GENERATOR_PROVIDER_ORDER },
    );
    if ('problems' in asked) {
      throw new TaskFailedError(`The model wrote no valid character: ${asked.problems}`);
    }
    const { character, avatarPrompt } = asked.value;
    const avatar = await this.painter.paint(avatarPrompt, {
      nsfw: pick.category.contentRating === 'nsfw',
    });
    const owner = await this.users.ensureSystemUser(PLATFORM_EMAIL, this.config.site.name);
    const created = await this.catalogue.createPublic(
      character,
      { id: owner.id, email: owner.email, role: owner.role, tier: owner.tier },
      avatar.image,
    );
    return {
      character_id: created.id,
      name: created.name,
      category: pick.category.id,
      model: asked.model,
      avatar: avatar.generated ? 'generated' : 'default',
    };
  }

  private async check(
    json: Record<string, unknown>,
    pick: GeneratorPick,
  ): Promise<Checked<GeneratedCharacter>> {
    const checked = await parseGeneratedCharacter(json, {
      language: GENERATOR_LANGUAGE,
      contentRating: pick.category.contentRating,
    });
    if ('problems' in checked) return checked;
    const name = checked.value.character.name;
    if (await this.catalogue.isPublicNameTaken(name)) {
      return { problems: `a character named "${name}" exists already; invent someone else` };
    }
    return checked;
  }
}
