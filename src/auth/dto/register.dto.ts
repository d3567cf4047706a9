import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { TextField } from '../../common/validation/text-field.js';
import { DISPLAY_NAME_MAX_LENGTH, EmailField, NewPasswordField } from './fields.js';

export class RegisterDto {
  @EmailField()
  email: string;

  @NewPasswordField()
  password: string;

  @ApiProperty({
    description: 'From GET /api/auth/challenge',
    example: '3f1c0d9e8b7a6f5e4d3c2b1a09f8e7d6',
  })
  @Matches(/^[0-9a-f]{32}$/, { message: 'challenge must be the value from /api/auth/challenge' })
  @IsString()
  challenge: string;

  @ApiProperty({
    description: 'Makes sha256(challenge + nonce) start with `difficulty` zero hex digits',
    example: '48213',
  })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'nonce must be 1-64 letters, digits, _ or -' })
  @IsString()
  nonce: string;

  @ApiPropertyOptional({ description: 'Leave empty: a field only bots fill in', example: '' })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  website?: string;

  @ApiPropertyOptional({ example: 'Alice', maxLength: DISPLAY_NAME_MAX_LENGTH })
  @TextField(DISPLAY_NAME_MAX_LENGTH, { optional: true })
  display_name?: string;

  @ApiPropertyOptional({ enum: LANGUAGES, default: 'en' })
  @IsOptional()
  @IsIn(LANGUAGES)
  preferred_language?: Language;
}
