import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { NewPasswordField } from './fields.js';

export class ResetPasswordDto {
  @ApiProperty({ description: 'The `token` parameter of the mailed link' })
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'token is not a valid reset token' })
  @IsString()
  token: string;

  @NewPasswordField()
  password: string;
}
