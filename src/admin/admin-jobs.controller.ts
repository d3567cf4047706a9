import { BadRequestException, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AdminJobsService } from './admin-jobs.service.js';
import { AdminJobDto, AdminJobPageDto, AdminJobQueryDto } from './dto/job.dto.js';

/** A job id: digits that fit a bigint, or a 400 naming it (never a failing query). */
const JobIdParam = () =>
  Param('id', {
    transform(value: string) {
      if (!/^\d{1,18}$/.test(value)) throw new BadRequestException('id must be a job id');
      return value;
    },
  });

@ApiTags('admin')
@AdminOnly()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('admin/jobs')
export class AdminJobsController {
  constructor(private readonly jobs: AdminJobsService) {}

  @Get()
  @ApiOperation({
    summary: 'Background jobs, newest first: state, attempts, last error and timestamps',
  })
  @ApiOkResponse({ type: AdminJobPageDto })
  list(@Query() query: AdminJobQueryDto): Promise<AdminJobPageDto> {
    return this.jobs.list(query);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Queue a failed job again, due now, with all its attempts',
  })
  @ApiParam({ name: 'id', type: String, example: '42' })
  @ApiOkResponse({ type: AdminJobDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The job has not failed, or a pending job of the same kind replaces it',
  })
  retry(@JobIdParam() id: string, @CurrentUser() admin: AuthUser): Promise<AdminJobDto> {
    return this.jobs.retry(admin, id);
  }
}
