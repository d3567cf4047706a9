import { BadRequestException } from '@nestjs/common';
import { SlugError, validateSlug } from './lib/slug.js';

/** A user-chosen slug, normalized; a bad one is a 400 that names the rule. */
export function slugFromInput(input: string): string {
  try {
    return validateSlug(input);
  } catch (error) {
    if (error instanceof SlugError) throw new BadRequestException(`slug: ${error.message}`);
    throw error;
  }
}
