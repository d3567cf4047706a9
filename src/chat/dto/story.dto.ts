import { applyDecorators, BadRequestException, type PipeTransform } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { TextField } from '../../common/validation/text-field.js';
import { MAX_MESSAGE_LENGTH } from './message.dto.js';

/** Past any real count of alternatives; keeps the index a small number. */
const MAX_ALTERNATIVE_INDEX = 1_000_000;

/**
 * A message id in a path: a positive integer a JavaScript number holds exactly (ids are
 * bigints, and past 2^53 a number no longer names one message).
 */
export class ParseMessageIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new BadRequestException('message_id must be a message id (a positive integer)');
    }
    return id;
  }
}

/** A message id in a body, checked as `before_id` is. */
const MessageIdField = (description: string) =>
  applyDecorators(
    ApiProperty({ description, minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    Min(1),
    Max(Number.MAX_SAFE_INTEGER),
    IsInt(),
  );

export class SelectAlternativeDto {
  @ApiProperty({
    minimum: 0,
    maximum: MAX_ALTERNATIVE_INDEX,
    description:
      "Which of the alternatives at the message's place becomes active (its siblings, the " +
      'message included: `alternative_index` of each, from 0, oldest first)',
  })
  @Min(0)
  @Max(MAX_ALTERNATIVE_INDEX)
  @IsInt()
  index: number;
}

export class EditMessageDto {
  @ApiProperty({ maxLength: MAX_MESSAGE_LENGTH, description: 'The new text' })
  @TextField(MAX_MESSAGE_LENGTH, { multiline: true, minLength: 1 })
  content: string;
}

export class RewindChatDto {
  @MessageIdField('The message the story goes back to: the last one kept (on the active path)')
  message_id: number;
}

export class BranchChatDto {
  @MessageIdField('The last message the new chat copies (its path from the first message)')
  message_id: number;
}
