import { speakerLabel } from '../storytelling/group-chat.js';
import { Injectable } from '@nestjs/common';
import type { Language } from '../../common/languages.js';
import {
  RESPONSE_LENGTHS,
  type CharacterEntity,
  type ContentRating,
  type ResponseLength,
} from '../../characters/entities/character.entity.js';
import { getSnippetsForIds } from '../../characters/lib/structured-tags.js';
import { formatDiceInjection, type DiceResult } from '../storytelling/dice.js';
import {
  CAMPAIGN_TEMPLATES,
  DND_PROMPTS,
  DND_RULE_SECTIONS,
  GAME_MASTER_LABEL,
  isCampaignTemplateKey,
} from '../storytelling/dnd.js';
import type { LorebookSelection } from '../storytelling/lorebook.js';
import { buildPostHistory } from '../storytelling/post-history.js';
import type { PromptKey } from './prompt-defaults.js';
import { PromptTemplatesService } from './prompt-templates.service.js';

export interface SystemPromptInput {
  character: CharacterEntity;
  /** The persona snapshot of the chat (name and description), if any. */
  persona: { name: string | null; description: string | null };
  language: Language;
  /** NSFW rules apply only to NSFW characters and users who confirmed being adults. */
  userIsAdult: boolean;
  /** 'dnd' among the character's free or structured tags (isDndChat). */
  isDnd: boolean;
  /** Lorebook entries the recent messages triggered (selectLorebookEntries). */
  lorebook?: Pick<LorebookSelection, 'before' | 'after'>;
  /** Group chats: the names of the other characters in the scene. */
  otherCharacters?: readonly string[];
  /** The card's own system prompt is used (setting use_card_prompts). */
  cardPrompts?: boolean;
}

/** What {{char}} and {{user}} become in a chat. */
export interface MacroValues {
  char: string;
  user: string;
}

export interface PostHistoryInput {
  language: Language;
  chatId: string;
  /** Messages in the chat so far (drives variant rotation and escalation). */
  messageCount: number;
  lastAssistantText: string | null;
  contentRating: ContentRating;
  isDnd: boolean;
  /** The explicit-vocabulary reminder needs an adult user too; unset counts as not adult. */
  userIsAdult?: boolean;
  /** Fiction-mode site (SITE_MODE=fiction): the literary post-history; DnD still wins. */
  isFiction?: boolean;
  /** Rolls the previous GM turn asked for, reported first so the GM narrates their outcome. */
  diceResults?: readonly DiceResult[];
  /**
   * The card's post_history_instructions (setting use_card_prompts), used in place of ours;
   * `{{original}}` in them stands for ours.
   */
  card?: { instructions: string; macros: MacroValues };
}

/** What {{user}} becomes in card texts when the chat has no persona. */
const USER_FALLBACK: Readonly<Record<Language, string>> = {
  ru: 'ты',
  en: 'you',
  es: 'tú',
  fr: 'toi',
  de: 'du',
  pt: 'você',
  it: 'tu',
};

/**
 * SillyTavern macros in card texts and templates, case-insensitive like SillyTavern, with the
 * legacy <BOT>/<USER> forms; one pass, so a name containing a macro is not expanded again.
 */
function fillMacros(text: string, values: MacroValues): string {
  return text.replace(/\{\{(?:char|user)\}\}|<(?:bot|user)>/gi, (macro) =>
    /user/i.test(macro) ? values.user : values.char,
  );
}

/**
 * A card's own prompt as SillyTavern reads it: `{{original}}` is the platform's text it stands
 * in for, in the same pass as the other macros (so nothing inserted is expanded again).
 */
function fillCardPrompt(text: string, values: MacroValues, original: string): string {
  return text
    .trim()
    .replace(/\{\{original\}\}|\{\{(?:char|user)\}\}|<(?:bot|user)>/gi, (macro) =>
      /original/i.test(macro) ? original : fillMacros(macro, values),
    );
}

/** What {{char}} and {{user}} become: the character's name in the chat's language, the persona's. */
export function macroValues(
  character: Pick<CharacterEntity, 'name' | 'translations'>,
  personaName: string | null,
  lang: Language,
): MacroValues {
  return {
    char: character.translations?.[lang]?.name?.trim() || character.name,
    user: personaName?.trim() || USER_FALLBACK[lang],
  };
}

/** Example dialogues are `<START>`-separated blocks in cards; the marker means nothing to models. */
const formatExamples = (text: string): string =>
  text
    .split(/<START>/i)
    .map((block) => block.trim())
    .filter(Boolean)
    .join('\n\n');

/** A campaign's example lines spoken as `{{char}}:` are the Game Master's, not its title's. */
const gameMasterSpeaks = (text: string, lang: Language): string =>
  text.replace(
    /^([ \t]*)(?:\{\{char\}\}|<bot>)(?=[ \t]*:)/gim,
    (_line, indent: string) => indent + GAME_MASTER_LABEL[lang],
  );

const lengthKey = (length: ResponseLength): PromptKey =>
  `length_${RESPONSE_LENGTHS.includes(length) ? length : 'medium'}`;

/**
 * Builds what the model reads besides the chat history: the system prompt and the
 * post-history instruction placed right before generation (spec: prompt_builder.py and the
 * post-history system of service.py). Every system-prompt text comes from the templates, so
 * admin overrides apply; empty character fields add no section.
 */
@Injectable()
export class PromptBuilderService {
  constructor(private readonly templates: PromptTemplatesService) {}

  async systemPrompt(input: SystemPromptInput): Promise<string> {
    const { character, persona, language: lang } = input;
    const local = character.translations?.[lang] ?? {};
    const macros = macroValues(character, persona.name, lang);
    const fill = (text: string): string => fillMacros(text.trim(), macros);
    // A campaign's {{char}} is its title: the templates that speak of {{char}} as a person
    // have campaign wordings (CAMPAIGN_TEMPLATES).
    const template = async (key: PromptKey): Promise<string> =>
      fill(
        input.isDnd && isCampaignTemplateKey(key)
          ? CAMPAIGN_TEMPLATES[key][lang]
          : await this.templates.get(key, lang),
      );
    const section = async (key: PromptKey, content: string | undefined): Promise<string | null> =>
      content?.trim() ? `${await template(key)}\n${fill(content)}` : null;
    const lore = (entries: readonly string[] | undefined): Promise<string | null> =>
      section('lorebook', entries?.map(fill).filter(Boolean).join('\n\n'));

    const ours = input.isDnd ? fill(DND_PROMPTS.intro[lang]) : await template('identity');
    // The card's system prompt stands in for our opening instructions (SillyTavern's main
    // prompt); the card's sections and our format, style and content rules stay.
    const opening =
      input.cardPrompts && character.systemPrompt?.trim()
        ? fillCardPrompt(character.systemPrompt, macros, ours)
        : ours;
    const description = fill(local.description || character.description);
    const cardExamples = formatExamples(local.exampleDialogues || character.exampleDialogues);
    const examples = input.isDnd ? gameMasterSpeaks(cardExamples, lang) : cardExamples;
    const contentKey =
      character.contentRating === 'nsfw' && input.userIsAdult ? 'content_nsfw' : 'content_sfw';
    const narrationRules = input.isDnd
      ? DND_RULE_SECTIONS.map((name) => fill(DND_PROMPTS[name][lang]))
      : [await template('format_rules'), await template('third_person')];

    const sections = [
      description ? `${opening}\n${description}` : opening,
      await lore(input.lorebook?.before),
      await section('personality', local.personality || character.personality),
      await section(
        'structured_tags',
        getSnippetsForIds(character.structuredTags, lang).join('\n'),
      ),
      await section('appearance', local.appearance || character.appearance),
      await section('speech_pattern', local.speechPattern || character.speechPattern),
      await section('scenario', local.scenario || character.scenario),
      await lore(input.lorebook?.after),
      persona.name?.trim()
        ? [await template('persona'), persona.description?.trim() && fill(persona.description)]
            .filter(Boolean)
            .join('\n')
        : null,
      await section('example_dialogues', examples),
      input.otherCharacters?.length
        ? await this.buildGroupContext(macros, input.otherCharacters, lang)
        : null,
      await template(lengthKey(character.responseLength)),
      ...narrationRules,
      await template('show_dont_tell'),
      await template('anti_repetition'),
      await template('anti_ai'),
      await template('anti_structural'),
      await template(contentKey),
    ];
    return sections.filter((text): text is string => Boolean(text)).join('\n\n');
  }

  /**
   * The rolling summary of the messages no longer sent (summarizer), under its heading: a
   * system message of its own after the memories, since it changes as the story moves on and
   * would otherwise end the cacheable prefix inside the system prompt. Null without one.
   */
  async summaryBlock(
    input: Pick<SystemPromptInput, 'character' | 'persona' | 'language'> & {
      summary: string | null | undefined;
    },
  ): Promise<string | null> {
    const summary = input.summary?.trim();
    if (!summary) return null;
    const macros = macroValues(input.character, input.persona.name, input.language);
    const heading = (await this.templates.get('summary', input.language)).trim();
    return `${fillMacros(heading, macros)}\n${fillMacros(summary, macros)}`;
  }

  /** A group chat member's view of the scene (spec: group_chat/router.py, "group context"). */
  async buildGroupContext(
    macros: { char: string; user: string },
    otherNames: readonly string[],
    lang: Language,
  ): Promise<string> {
    const others = otherNames.map(speakerLabel).join(', ');
    // One pass with the others' names too, so a name holding a macro is not expanded again.
    const template = (await this.templates.get('group_context', lang)).trim();
    return template.replace(/\{\{others\}\}|\{\{(?:char|user)\}\}|<(?:bot|user)>/gi, (macro) =>
      /others/i.test(macro) ? others : fillMacros(macro, macros),
    );
  }

  async postHistory(input: PostHistoryInput): Promise<string | null> {
    const dice = input.diceResults ? formatDiceInjection(input.diceResults, input.language) : null;
    const explicit = input.contentRating === 'nsfw' && input.userIsAdult === true;
    const ours = buildPostHistory({
      language: input.language,
      chatId: input.chatId,
      messageCount: input.messageCount,
      lastAssistantText: input.lastAssistantText,
      mode: input.isDnd ? 'dnd' : input.isFiction ? 'fiction' : 'roleplay',
      explicit,
    });
    const body = input.card?.instructions.trim()
      ? await this.cardPostHistory(input.card, ours, explicit, input.language)
      : ours;
    return dice ? `${dice}\n\n${body}` : body;
  }

  /**
   * The card's post-history instructions in place of ours. Read last, they could talk the
   * model out of the content rule far up in the system prompt: a chat that is not explicit
   * gets that rule again after them.
   */
  private async cardPostHistory(
    card: NonNullable<PostHistoryInput['card']>,
    ours: string,
    explicit: boolean,
    lang: Language,
  ): Promise<string> {
    const text = fillCardPrompt(card.instructions, card.macros, ours);
    if (explicit) return text;
    const rule = fillMacros((await this.templates.get('content_sfw', lang)).trim(), card.macros);
    return `${text}\n${rule}`;
  }
}
