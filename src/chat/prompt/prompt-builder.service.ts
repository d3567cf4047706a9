import { Injectable } from '@nestjs/common';
import type { Language } from '../../common/languages.js';
import type { CharacterEntity, ContentRating } from '../../characters/entities/character.entity.js';
import { PromptTemplatesService } from './prompt-templates.service.js';

export interface SystemPromptInput {
  character: CharacterEntity;
  /** The persona snapshot of the chat (name and description), if any. */
  persona: { name: string | null; description: string | null };
  language: Language;
  /** NSFW rules apply only to NSFW characters and users who confirmed being adults. */
  userIsAdult: boolean;
  /** campaign_id set, or 'dnd' among the character's tags. */
  isDnd: boolean;
}

export interface PostHistoryInput {
  language: Language;
  chatId: string;
  /** Messages in the chat so far (drives variant rotation and escalation). */
  messageCount: number;
  lastAssistantText: string | null;
  contentRating: ContentRating;
  isDnd: boolean;
}

/**
 * Builds what the model reads besides the chat history: the system prompt and the
 * post-history instruction placed right before the newest user message.
 * PLACEHOLDER (plain version): the storytelling issue replaces the bodies, keeping the interface.
 */
@Injectable()
export class PromptBuilderService {
  constructor(private readonly templates: PromptTemplatesService) {}

  async systemPrompt(input: SystemPromptInput): Promise<string> {
    const { character, persona, language } = input;
    const identity = (await this.templates.get('identity', language)).replaceAll(
      '{{char}}',
      character.name,
    );
    const sections = [
      identity,
      character.description,
      character.personality && `Personality: ${character.personality}`,
      character.scenario && `Scenario: ${character.scenario}`,
      persona.name &&
        `The user plays ${persona.name}${persona.description ? `: ${persona.description}` : ''}.`,
    ];
    return sections.filter(Boolean).join('\n\n');
  }

  async postHistory(_input: PostHistoryInput): Promise<string | null> {
    return null;
  }
}
