import { ApiProperty } from '@nestjs/swagger';
import { IsJWT, IsString, MaxLength } from 'class-validator';

export class VerifyEmailDto {
  @ApiProperty({
    description: 'The `token` of the mailed link (`FRONTEND_URL/verify-email#token=…`)',
    maxLength: 2048,
  })
  @IsJWT({ message: 'token is not a valid confirmation token' })
  @MaxLength(2048)
  @IsString()
  token: string;
}
