import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { UserEntity } from '../../auth/entities/user.entity.js';
import type { Tier } from '../../common/auth/access.decorators.js';
import type { Role } from '../../common/auth/auth-user.js';
import { LANGUAGES, type Language } from '../../common/languages.js';
import { AdminPageQueryDto } from './page-query.dto.js';

const ROLES = ['user', 'admin'] as const;
const TIERS = ['free', 'premium', 'admin'] as const;

export class UserQueryDto extends AdminPageQueryDto {
  @ApiPropertyOptional({
    description: 'Part of the email, display name or released email, any case',
  })
  @IsOptional()
  @MaxLength(100)
  @IsString()
  q?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: TIERS, description: 'admin goes with the admin role only' })
  @IsOptional()
  @IsIn(TIERS)
  tier?: Tier;

  @ApiPropertyOptional({
    enum: ROLES,
    description:
      'Without a tier, the tier follows (admin: admin; user: free, or premium if it was). ' +
      'ADMIN_EMAILS decides the role again at the next sign-in.',
  })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    description: 'A disabled account cannot sign in, and its tokens are refused at once',
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

/** An account as admins see it: no password hash, no OAuth identifiers. */
export class AdminUserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ type: String, nullable: true })
  display_name: string | null;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ enum: TIERS })
  tier: Tier;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabled_at: string | null;

  @ApiProperty({ type: String, nullable: true, enum: ['google'], description: 'Google sign-in' })
  oauth_provider: string | null;

  @ApiProperty({ description: 'Has a password (can sign in with email and password)' })
  has_password: boolean;

  @ApiProperty({ enum: LANGUAGES })
  preferred_language: Language;

  @ApiProperty()
  adult_confirmed: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      "When the account was released: its address's owner proved the address it never had, " +
      'and started on a fresh account; this one is kept disabled under a placeholder email',
  })
  released_at: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The address a released account held (null for any other account)',
  })
  released_email: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;

  static from(user: UserEntity): AdminUserDto {
    return {
      id: user.id,
      email: user.email,
      display_name: user.displayName,
      role: user.role,
      tier: user.tier,
      disabled: user.disabledAt !== null,
      disabled_at: user.disabledAt?.toISOString() ?? null,
      oauth_provider: user.oauthProvider,
      has_password: user.passwordHash !== null,
      preferred_language: user.preferredLanguage,
      adult_confirmed: user.adultConfirmedAt !== null,
      released_at: user.releasedAt?.toISOString() ?? null,
      released_email: user.releasedEmail,
      created_at: user.createdAt.toISOString(),
    };
  }
}

export class AdminUserPageDto {
  @ApiProperty({ type: [AdminUserDto] })
  items: AdminUserDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}
