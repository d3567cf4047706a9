import type { Language } from '../../common/languages.js';

/**
 * Every prompt fragment the builder uses, with its default text per language (spec:
 * prompt_builder.py `_DEFAULTS`); admins override any key × language (PromptTemplatesService).
 * PLACEHOLDER: the storytelling issue replaces this with the full 23 keys × 7 languages.
 */
export const PROMPT_DEFAULTS = {
  identity: {
    ru: 'Ты — {{char}}. Оставайся в образе.',
    en: 'You are {{char}}. Stay in character.',
    es: 'Eres {{char}}. Mantente en el personaje.',
    fr: 'Tu es {{char}}. Reste dans ton personnage.',
    de: 'Du bist {{char}}. Bleib in deiner Rolle.',
    pt: 'Você é {{char}}. Permaneça no personagem.',
    it: 'Sei {{char}}. Resta nel personaggio.',
  },
} satisfies Record<string, Record<Language, string>>;

export type PromptKey = keyof typeof PROMPT_DEFAULTS;
export const PROMPT_KEYS = Object.keys(PROMPT_DEFAULTS) as PromptKey[];
export const isPromptKey = (key: string): key is PromptKey => Object.hasOwn(PROMPT_DEFAULTS, key);
