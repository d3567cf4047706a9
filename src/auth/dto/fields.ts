import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';

export const EMAIL_MAX_LENGTH = 254;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** Emails are compared trimmed and lower-cased everywhere (the column is citext as well). */
export const normalizeEmail = (value: unknown): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export const DISPLAY_NAME_MAX_LENGTH = 60;

export const EmailField = () =>
  applyDecorators(
    ApiProperty({ example: 'alice@example.com', maxLength: EMAIL_MAX_LENGTH }),
    Transform(({ value }) => normalizeEmail(value)),
    IsEmail({}, { message: 'email must be an email address' }),
    MaxLength(EMAIL_MAX_LENGTH),
    IsString(),
  );

/** A new password. Any characters may be used; the length bounds the hashing work. */
export const NewPasswordField = () =>
  applyDecorators(
    ApiProperty({
      example: 'correct horse battery staple',
      minLength: PASSWORD_MIN_LENGTH,
      maxLength: PASSWORD_MAX_LENGTH,
    }),
    MinLength(PASSWORD_MIN_LENGTH),
    MaxLength(PASSWORD_MAX_LENGTH),
    IsString(),
  );
