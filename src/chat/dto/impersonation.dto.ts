import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** `data: {"type":"token",…}`: the next piece of the suggested line. */
export class ImpersonationTokenEventDto {
  @ApiProperty({ enum: ['token'] })
  type: 'token';

  @ApiProperty({ description: 'The next piece of the suggestion' })
  content: string;
}

/** `data: {"type":"done",…}`: the suggestion is complete; nothing was saved. */
export class ImpersonationDoneEventDto {
  @ApiProperty({ enum: ['done'] })
  type: 'done';

  @ApiProperty({ description: 'The whole suggestion, trimmed: what the tokens add up to' })
  content: string;

  @ApiPropertyOptional({ description: 'Guests: messages left in the session' })
  anon_messages_left?: number;
}

/** `data: {"type":"error",…}`: the model failed; the message is given back. */
export class ImpersonationErrorEventDto {
  @ApiProperty({ enum: ['error'] })
  type: 'error';

  @ApiProperty({ description: 'What went wrong (details for admins only)' })
  message: string;
}

/** The events of an impersonation stream, by `type`. */
export const IMPERSONATION_EVENTS = {
  token: ImpersonationTokenEventDto,
  done: ImpersonationDoneEventDto,
  error: ImpersonationErrorEventDto,
};

export type ImpersonationEvent =
  ImpersonationTokenEventDto | ImpersonationDoneEventDto | ImpersonationErrorEventDto;
