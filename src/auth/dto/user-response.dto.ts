import { ApiProperty } from '@nestjs/swagger';
import type { Tier } from '../../common/auth/access.decorators.js';
import type { Role } from '../../common/auth/auth-user.js';
import { LANGUAGES, type Language } from '../../common/languages.js';
import type { UserEntity } from '../entities/user.entity.js';

/** What a user may see of their own account: no password hash, no OAuth identifiers. */
export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice@example.com' })
  email: string;

  @ApiProperty({ type: String, nullable: true, example: 'Alice' })
  display_name: string | null;

  @ApiProperty({ enum: ['user', 'admin'] })
  role: Role;

  @ApiProperty({ enum: ['free', 'premium', 'admin'] })
  tier: Tier;

  @ApiProperty({ enum: LANGUAGES })
  preferred_language: Language;

  @ApiProperty({ description: 'Whether the user confirmed being an adult (NSFW content)' })
  adult_confirmed: boolean;

  @ApiProperty({
    description:
      'Whether the account proved it owns its email (the confirmation link, a reset or Google). ' +
      'Until then a password reset or Google sign-in with the address starts a fresh account ' +
      'and leaves this one behind',
  })
  email_verified: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;

  static from(user: UserEntity): UserResponseDto {
    return {
      id: user.id,
      email: user.email,
      display_name: user.displayName,
      role: user.role,
      tier: user.tier,
      preferred_language: user.preferredLanguage,
      adult_confirmed: user.adultConfirmedAt !== null,
      email_verified: user.emailVerifiedAt !== null,
      created_at: user.createdAt.toISOString(),
    };
  }
}
