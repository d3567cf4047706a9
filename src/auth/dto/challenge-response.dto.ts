import { ApiProperty } from '@nestjs/swagger';

export class ChallengeResponseDto {
  @ApiProperty({ example: '3f1c0d9e8b7a6f5e4d3c2b1a09f8e7d6' })
  challenge: string;

  @ApiProperty({
    example: 4,
    description: 'Leading zero hex digits sha256(challenge + nonce) needs',
  })
  difficulty: number;

  @ApiProperty({ example: 300, description: 'Seconds until the challenge expires' })
  expires_in: number;
}
