import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from './user-response.dto.js';

export class AuthTokenResponseDto {
  @ApiProperty({ description: 'JWT (HS256); send as `Authorization: Bearer <token>`' })
  access_token: string;

  @ApiProperty({ enum: ['bearer'] })
  token_type: 'bearer';

  @ApiProperty({ type: UserResponseDto })
  user: UserResponseDto;
}
