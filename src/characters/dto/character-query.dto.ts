import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { CONTENT_RATINGS, type ContentRating } from '../entities/character.entity.js';

export const CATALOGUE_SORTS = ['popular', 'new', 'top', 'trending', 'relevance'] as const;
export type CatalogueSort = (typeof CATALOGUE_SORTS)[number];
export const MAX_PAGE_SIZE = 50;

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** GET /api/characters query string. */
export class CatalogueQueryDto {
  @ApiPropertyOptional({
    description: 'Free-text search over name, description and tags (typo-tolerant)',
  })
  @IsOptional()
  @MaxLength(100)
  @IsString()
  q?: string;

  @ApiPropertyOptional({ description: 'Free tag' })
  @IsOptional()
  @MaxLength(50)
  @IsString()
  tag?: string;

  @ApiPropertyOptional({ description: 'Structured tag id (GET /api/tags)' })
  @IsOptional()
  @Matches(/^[a-z0-9-]{1,50}$/, { message: 'structured_tag must be a tag id' })
  structured_tag?: string;

  @ApiPropertyOptional({ enum: CONTENT_RATINGS, description: 'nsfw needs a confirmed adult' })
  @IsOptional()
  @IsIn(CONTENT_RATINGS)
  content_rating?: ContentRating;

  @ApiPropertyOptional({ description: 'Also list NSFW characters (confirmed adults only)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  include_nsfw?: boolean;

  @ApiPropertyOptional({
    enum: LANGUAGES,
    description: 'Only characters available in this language',
  })
  @IsOptional()
  @IsIn(LANGUAGES)
  language?: Language;

  @ApiPropertyOptional({ enum: LANGUAGES, description: 'Display language (texts and counters)' })
  @IsOptional()
  @IsIn(LANGUAGES)
  lang?: Language;

  @ApiPropertyOptional({ description: "Only the caller's own characters, private ones included" })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  mine?: boolean;

  @ApiPropertyOptional({
    enum: CATALOGUE_SORTS,
    description:
      'Default: relevance with q (the 200 most popular matches, ranked by similarity), else popular',
  })
  @IsOptional()
  @IsIn(CATALOGUE_SORTS)
  sort?: CatalogueSort;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(1000)
  @IsInt()
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  @IsInt()
  page_size?: number;
}

export class LangQueryDto {
  @ApiPropertyOptional({ enum: LANGUAGES })
  @IsOptional()
  @IsIn(LANGUAGES)
  lang?: Language;
}

export class ExportQueryDto {
  @ApiPropertyOptional({
    enum: ['json', 'png', 'charx'],
    default: 'json',
    description:
      "json: the card; png: the character's avatar carrying the card (chara, plus ccv3 for " +
      'V3); charx: a CharX archive (always V3) with the avatar as its main icon',
  })
  @IsOptional()
  @IsIn(['json', 'png', 'charx'])
  format?: 'json' | 'png' | 'charx';

  @ApiPropertyOptional({ enum: ['v2', 'v3'], default: 'v2', description: 'Ignored for charx' })
  @IsOptional()
  @IsIn(['v2', 'v3'])
  spec?: 'v2' | 'v3';
}
