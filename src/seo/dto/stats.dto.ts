import { ApiProperty } from '@nestjs/swagger';

export class StatsDto {
  @ApiProperty({ description: 'Registered users plus the stats_users_offset setting' })
  users: number;

  @ApiProperty({ description: 'Chat messages plus the stats_messages_offset setting' })
  messages: number;

  @ApiProperty({ description: 'Public characters' })
  characters: number;

  @ApiProperty({
    minimum: 15,
    maximum: 45,
    description: 'A display figure, stable within each 5-minute window',
  })
  online_now: number;
}
