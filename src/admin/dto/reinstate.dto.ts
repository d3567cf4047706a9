import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class ReinstateCharacterDto {
  @ApiPropertyOptional({
    default: true,
    description:
      'Also publish it again (when it has an avatar); false leaves it a private draft its ' +
      'owner may publish',
  })
  @IsOptional()
  @IsBoolean()
  publish?: boolean;
}
