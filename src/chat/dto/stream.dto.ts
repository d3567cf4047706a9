import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** POST /api/chats/{id}/stream-ticket. */
export class StreamTicketDto {
  @ApiProperty({
    description:
      'Pass as `?ticket=` to GET /api/chats/{id}/stream: for this chat only, valid one minute',
  })
  ticket: string;

  @ApiProperty({ format: 'date-time', description: 'When the ticket stops being accepted' })
  expires_at: string;
}

/** The query of GET /api/chats/{id}/stream, for clients that cannot send headers. */
export class FollowStreamQueryDto {
  @ApiPropertyOptional({
    description:
      'A stream ticket (POST /api/chats/{id}/stream-ticket), instead of Authorization or ' +
      'X-Anon-Session: for EventSource. Access tokens are never accepted here.',
  })
  @IsOptional()
  @IsString()
  // A ticket is a few hundred characters; anything far longer is not one.
  @MaxLength(2048)
  ticket?: string;

  @ApiPropertyOptional({
    description:
      'Resume after this event id (the Last-Event-ID header wins when both are sent): only ' +
      'the reply text after it is sent',
    pattern: '^\\d{1,9}$',
  })
  @IsOptional()
  @IsString()
  last_event_id?: string;
}
