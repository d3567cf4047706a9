import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';

export const MAX_PROACTIVE_HOURS = 720;

export class ProactiveChoiceDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_PROACTIVE_HOURS,
    example: 24,
    description:
      'Hours I may be away before the character writes first (24: a day, 72: three days, ' +
      '168: a week); null: never (the default)',
  })
  after_hours: number | null;
}

export class UpdateProactiveChoiceDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_PROACTIVE_HOURS,
    example: 72,
    description: 'Hours of absence before the character writes first; null turns it off',
  })
  @ValidateIf((dto: UpdateProactiveChoiceDto) => dto.after_hours !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_PROACTIVE_HOURS)
  after_hours: number | null;
}
