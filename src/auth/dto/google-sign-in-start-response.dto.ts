import { ApiProperty } from '@nestjs/swagger';

export class GoogleSignInStartResponseDto {
  @ApiProperty({
    description: "Google's consent page: send the browser there (the state cookie is set)",
    example: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=...&state=...',
  })
  url: string;
}
