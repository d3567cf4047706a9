import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CreateCharacterDto } from '../../characters/dto/character-input.dto.js';
import {
  type ContentRating,
  RESPONSE_LENGTHS,
} from '../../characters/entities/character.entity.js';
import { parseStructuredTags } from '../../characters/lib/structured-tags.js';
import type { Language } from '../../common/languages.js';
import { isAdultAge, minorSignals, sexualTermsIn } from '../adult-check.js';
import type { Checked } from '../ask-json.js';
import { humanizeCharacterData } from '../text-humanizer.js';

export interface GeneratedCharacter {
  character: CreateCharacterDto;
  concept: string;
  avatarPrompt: string;
}

const PERSONALITY_LISTS = ['contradictions', 'flaws', 'goals', 'fears', 'never'] as const;
const GREETING_PARTS = ['action', 'sensory_detail', 'dialogue', 'hook'] as const;
/** "…", «…», “…” or '…' around a phrase of a few characters at least. */
const QUOTED_PHRASE = /"[^"\n]{3,}"|«[^»\n]{3,}»|“[^”\n]{3,}”|„[^“”\n]{3,}[“”]|'[^'\n]{3,}'/g;
const MIN_APPEARANCE_LENGTH = 120;

/** The JSON the generator asks for, described for the prompt. */
export const GENERATED_CHARACTER_SHAPE = [
  '- concept: one sentence, who they are and what makes them unusual',
  '- name: their name (at most 100 characters), not the name of an existing character',
  '- age: their age as an integer, 18 or more (every character is an adult)',
  '- description: 2-4 sentences a reader sees in the catalogue',
  '- personality: an object with traits (8-12 concrete behavioural traits, what they do ' +
    'rather than adjectives), contradictions, flaws, goals, fears and never (things they ' +
    'would never do), each an array of short strings. Behaviour only: nothing sexual here',
  '- scenario: where and how the story starts',
  '- greeting: an object with action (what they are doing), sensory_detail (a sound, smell, ' +
    'texture or temperature), dialogue (their first line) and hook (an ending that gives the ' +
    'user something to react to)',
  '- example_dialogues: 2-3 objects {mood, exchange} in different emotional states; each ' +
    'exchange has lines starting with {{user}}: and {{char}}:',
  '- appearance: concrete details that reveal character (scars, habits, clothes chosen for a ' +
    'reason), for more than one sense',
  '- speech_pattern: how they talk, with at least two concrete example phrases in quotes',
  '- tags: 3-8 lower-case free tags',
  '- structured_tags: ids from the allowed list',
  '- response_length: one of short, medium, long, very_long',
  '- avatar_prompt: an English prompt for a head-and-shoulders portrait, fully clothed, no text',
].join('\n');

const isText = (value: unknown, min = 1): value is string =>
  typeof value === 'string' && value.trim().length >= min;

const textList = (value: unknown, min: number, max: number): value is string[] =>
  Array.isArray(value) &&
  value.length >= min &&
  value.length <= max &&
  value.every((item) => isText(item));

/**
 * Checks a generated character and turns it into a create-DTO: the structure the prompt
 * demands, the humanizer applied, then the same validation as POST /api/characters, and the
 * guards — an adult, no sexual behaviour in the personality. Problems are listed so the
 * model can fix them.
 */
export async function parseGeneratedCharacter(
  json: Record<string, unknown>,
  options: { language: Language; contentRating: ContentRating },
): Promise<Checked<GeneratedCharacter>> {
  const problems: string[] = [];
  const {
    concept,
    age,
    personality,
    greeting,
    example_dialogues: dialogues,
    speech_pattern: speech,
    appearance,
    tags,
    structured_tags: structuredTags,
    response_length: responseLength,
    avatar_prompt: avatarPrompt,
  } = json;

  if (!isText(concept, 10)) problems.push('concept must be a sentence');
  if (!isText(avatarPrompt, 10)) problems.push('avatar_prompt must be a prompt');
  if (!isAdultAge(age)) problems.push('age must be an integer of at least 18: adults only');
  for (const field of ['name', 'description', 'scenario'] as const) {
    if (!isText(json[field])) problems.push(`${field} must be a non-empty string`);
  }

  const traits = (personality as { traits?: unknown } | null)?.traits;
  if (!personality || typeof personality !== 'object' || !textList(traits, 8, 12)) {
    problems.push('personality.traits must be 8-12 non-empty strings');
  }
  for (const list of PERSONALITY_LISTS) {
    const value = (personality as Record<string, unknown> | null)?.[list];
    if (!textList(value, 1, 12)) problems.push(`personality.${list} must list at least one item`);
  }

  for (const part of GREETING_PARTS) {
    if (!isText((greeting as Record<string, unknown> | null)?.[part])) {
      problems.push(`greeting.${part} must be a non-empty string`);
    }
  }

  const exchanges = Array.isArray(dialogues) ? (dialogues as Array<Record<string, unknown>>) : [];
  if (exchanges.length < 2 || exchanges.length > 3) {
    problems.push('example_dialogues must hold 2-3 exchanges');
  } else {
    const moods = exchanges.map((exchange) =>
      String(exchange?.mood ?? '')
        .trim()
        .toLowerCase(),
    );
    if (moods.some((mood) => !mood) || new Set(moods).size !== moods.length) {
      problems.push('each example dialogue needs its own, different mood');
    }
    if (
      !exchanges.every(
        (exchange) =>
          isText(exchange?.exchange) &&
          exchange.exchange.includes('{{char}}') &&
          exchange.exchange.includes('{{user}}'),
      )
    ) {
      problems.push('each example dialogue exchange needs {{user}}: and {{char}}: lines');
    }
  }

  if (!isText(speech) || (speech.match(QUOTED_PHRASE) ?? []).length < 2) {
    problems.push('speech_pattern must include at least two example phrases in quotes');
  }
  if (!isText(appearance, MIN_APPEARANCE_LENGTH)) {
    problems.push(`appearance must be at least ${MIN_APPEARANCE_LENGTH} characters of detail`);
  }
  if (!textList(tags, 1, 8)) problems.push('tags must be 1-8 strings');
  const structured = parseStructuredTags(
    Array.isArray(structuredTags) ? structuredTags.map(String) : String(structuredTags ?? ''),
  );
  if (structured.unknown.length > 0) {
    problems.push(`unknown structured_tags: ${structured.unknown.join(', ')}`);
  }
  if (
    responseLength !== undefined &&
    !(RESPONSE_LENGTHS as readonly unknown[]).includes(responseLength)
  ) {
    problems.push(`response_length must be one of ${RESPONSE_LENGTHS.join(', ')}`);
  }
  if (problems.length > 0) return { problems: problems.join('; ') };

  const traitList = personality as Record<'traits' | (typeof PERSONALITY_LISTS)[number], string[]>;
  const parts = greeting as Record<(typeof GREETING_PARTS)[number], string>;
  const generated = humanizeCharacterData({
    concept: (concept as string).trim(),
    avatarPrompt: (avatarPrompt as string).trim(),
    fields: {
      name: json.name as string,
      description: json.description as string,
      personality: [
        `Traits: ${traitList.traits.join('; ')}`,
        `Contradictions: ${traitList.contradictions.join('; ')}`,
        `Flaws: ${traitList.flaws.join('; ')}`,
        `Goals: ${traitList.goals.join('; ')}`,
        `Fears: ${traitList.fears.join('; ')}`,
        `Never: ${traitList.never.join('; ')}`,
      ].join('\n'),
      scenario: json.scenario as string,
      greeting: [
        `${parts.action.trim()} ${parts.sensory_detail.trim()}`,
        parts.dialogue,
        parts.hook,
      ]
        .map((part) => part.trim())
        .join('\n\n'),
      example_dialogues: exchanges
        .map((exchange) => `<START>\n${(exchange.exchange as string).trim()}`)
        .join('\n\n'),
      appearance: appearance as string,
      speech_pattern: speech as string,
      tags: (tags as string[]).join(', '),
    },
  });
  const character = plainToInstance(CreateCharacterDto, {
    ...generated.fields,
    structured_tags: structured.ids.join(','),
    response_length: responseLength ?? 'medium',
    content_rating: options.contentRating,
    original_language: options.language,
  });
  const errors = await validate(character, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    return {
      problems: errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; '),
    };
  }

  const sexual = sexualTermsIn(character.personality ?? '');
  if (sexual.length > 0) {
    problems.push(
      `personality must describe behaviour only, nothing sexual (${sexual.join(', ')})`,
    );
  }
  const minor = minorSignals(
    [generated.concept, generated.avatarPrompt, ...Object.values(generated.fields)].join('\n'),
  );
  if (minor.length > 0) {
    problems.push(
      `every character must be an adult, with nothing stating or implying an age under 18 ` +
        `(${minor.join(', ')})`,
    );
  }
  if (problems.length > 0) return { problems: problems.join('; ') };
  return {
    value: { character, concept: generated.concept, avatarPrompt: generated.avatarPrompt },
  };
}
