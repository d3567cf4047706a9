import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** C0/C1 controls and the bidi overrides used to disguise text; emoji joiners stay allowed. */
const CONTROLS = '\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069';
const SINGLE_LINE = new RegExp(`^[^${CONTROLS}]*$`, 'u');
// Multi-line text (cards, dialogues) keeps tab, line feed and carriage return.
const MULTI_LINE = new RegExp(`^(?:[\\t\\n\\r]|[^${CONTROLS}])*$`, 'u');

export const stripControlCharacters = (text: string): string =>
  text.replace(new RegExp(`[${CONTROLS}]`, 'gu'), '');

/**
 * Text from elsewhere (an imported card, a name shown in another prompt) made to pass the
 * single-line rule: controls and line or paragraph separators become spaces, runs of
 * whitespace one space.
 */
export const toSingleLine = (text: string): string =>
  text
    .replace(new RegExp(`[${CONTROLS}\\p{Zl}\\p{Zp}]+`, 'gu'), ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Text from elsewhere (an imported card) made to pass the multi-line rule: controls and bidi
 * overrides are removed, tab, line feed and carriage return kept.
 */
export const toMultiLine = (text: string): string =>
  text.replace(new RegExp(`(?![\\t\\n\\r])[${CONTROLS}]`, 'gu'), '');

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
