import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** C0/C1 controls and the bidi overrides used to disguise text; emoji joiners stay allowed. */
const CONTROLS = '\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069';
const SINGLE_LINE = new RegExp(`^[^${CONTROLS}]*$`, 'u');
// Multi-line text (cards, dialogues) keeps tab, line feed and carriage return.
const MULTI_LINE = new RegExp(`^(?:[\\t\\n\\r]|[^${CONTROLS}])*$`, 'u');
// Compiled once: the strippers run for every string of an imported card.
const ANY_CONTROL = new RegExp(`[${CONTROLS}]`, 'gu');
const CONTROL_OR_SEPARATOR_RUN = new RegExp(`[${CONTROLS}\\p{Zl}\\p{Zp}]+`, 'gu');
const CONTROL_BUT_LINE_BREAKS = new RegExp(`(?![\\t\\n\\r])[${CONTROLS}]`, 'gu');

export const stripControlCharacters = (text: string): string => text.replace(ANY_CONTROL, '');

/**
 * Text from elsewhere (an imported card, a name shown in another prompt) made to pass the
 * single-line rule: controls and line or paragraph separators become spaces, runs of
 * whitespace one space.
 */
export const toSingleLine = (text: string): string =>
  text.replace(CONTROL_OR_SEPARATOR_RUN, ' ').replace(/\s+/g, ' ').trim();

/**
 * Text from elsewhere (an imported card) made to pass the multi-line rule: controls and bidi
 * overrides are removed, tab, line feed and carriage return kept.
 */
export const toMultiLine = (text: string): string => text.replace(CONTROL_BUT_LINE_BREAKS, '');

/**
 * Every string inside a JSON value, at any depth, held to the multi-line rule (toMultiLine):
 * lorebook entries and card extensions reach prompts and pages like a character's own fields.
 */
export function toMultiLineDeep<T>(value: T): T {
  if (typeof value === 'string') return toMultiLine(value) as T;
  if (Array.isArray(value)) return value.map(toMultiLineDeep) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, toMultiLineDeep(item)]),
    ) as T;
  }
  return value;
}

export interface TextFieldOptions {
  /** Allow tabs and line breaks (long-form text). */
  multiline?: boolean;
  optional?: boolean;
  minLength?: number;
}

/**
 * A user-provided string: trimmed, bounded, and free of control characters, which have no
 * business in text shown to other people or sent to a model.
 */
export const TextField = (maxLength: number, options: TextFieldOptions = {}) =>
  applyDecorators(
    ...(options.optional ? [IsOptional()] : []),
    Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)),
    Matches(options.multiline ? MULTI_LINE : SINGLE_LINE, {
      message: '$property must not contain control characters',
    }),
    ...(options.minLength ? [MinLength(options.minLength)] : []),
    MaxLength(maxLength),
    IsString(),
  );
