import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { JOB_STATES, type JobState } from '../../common/jobs/job.repository.js';
import { AdminPageQueryDto } from './page-query.dto.js';

export class AdminJobQueryDto extends AdminPageQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATES, description: 'Only jobs in this state' })
  @IsOptional()
  @IsIn(JOB_STATES)
  state?: JobState;

  @ApiPropertyOptional({ example: 'chat.summarize', description: 'Only jobs of this type' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;
}

/** A background job as admins see it; its payload (what users typed) is never shown. */
export class AdminJobDto {
  @ApiProperty({ example: 42 })
  id: number;

  @ApiProperty({
    example: 'chat.summarize',
    description:
      'chat.summarize, chat.proactive, characters.translate, autonomous.<task>, ' +
      'admin.error_digest, notifications.digest, auth.*-mail',
  })
  type: string;

  @ApiProperty({ enum: JOB_STATES })
  state: JobState;

  @ApiProperty({ description: 'Attempts made (a deferral gives its attempt back)' })
  attempts: number;

  @ApiProperty()
  max_attempts: number;

  @ApiProperty({ type: String, nullable: true, description: 'Why the last attempt failed' })
  last_error: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'When a pending job is due (after a failure: the backoff)',
  })
  run_at: string;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updated_at: string;
}

export class AdminJobPageDto {
  @ApiProperty({ type: [AdminJobDto] })
  items: AdminJobDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}
