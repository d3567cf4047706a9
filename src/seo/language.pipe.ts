import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { isLanguage, type Language, LANGUAGES } from '../common/languages.js';

/**
 * `?lang=`: absent, or one of the platform's languages (else 400). Read as a single query
 * field rather than a DTO, so the tracking parameters crawlers and shares add (utm_*, fbclid)
 * do not turn a page into a 400.
 */
export class ParseLanguagePipe implements PipeTransform<unknown, Language | undefined> {
  transform(value: unknown): Language | undefined {
    if (value === undefined) return undefined;
    if (isLanguage(value)) return value;
    throw new BadRequestException(`lang must be one of: ${LANGUAGES.join(', ')}`);
  }
}
