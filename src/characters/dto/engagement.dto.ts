import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { RELATION_TYPES, type RelationType } from '../entities/relation.entity.js';
import { REPORT_REASONS, type ReportReason } from '../entities/report.entity.js';
import { CharacterResponseDto } from './character-response.dto.js';

export class VoteDto {
  @ApiProperty({ enum: [1, -1, 0], description: '1 upvote, -1 downvote, 0 remove my vote' })
  @IsIn([1, -1, 0])
  value: 1 | -1 | 0;
}

export class VoteResultDto {
  @ApiProperty()
  vote_score: number;

  @ApiProperty({ enum: [1, -1, 0] })
  my_vote: number;
}

export class FavoriteStateDto {
  @ApiProperty()
  is_favorite: boolean;
}

export class ReportDto {
  @ApiProperty({ enum: REPORT_REASONS })
  @IsIn(REPORT_REASONS)
  reason: ReportReason;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @MaxLength(2000)
  @IsString()
  details?: string;
}

export class ReportCreatedDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['pending'] })
  status: 'pending';
}

export class RelationDto {
  @ApiProperty({ enum: RELATION_TYPES })
  relation_type: RelationType;

  @ApiProperty({ description: 'Label in the requested language' })
  label: string;

  @ApiProperty({ type: CharacterResponseDto })
  character: CharacterResponseDto;
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(1000)
  @IsInt()
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(50)
  @IsInt()
  page_size?: number;

  @ApiPropertyOptional({ enum: LANGUAGES })
  @IsOptional()
  @IsIn(LANGUAGES)
  lang?: Language;
}
