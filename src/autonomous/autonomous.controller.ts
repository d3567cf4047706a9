import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { TaskDto, TaskRunDto } from './dto/task.dto.js';
import { SchedulerService } from './scheduler.service.js';

@ApiTags('admin')
@AdminOnly()
@Controller('admin/tasks')
export class AutonomousController {
  constructor(private readonly scheduler: SchedulerService) {}

  @Get()
  @ApiOperation({ summary: 'The autonomous tasks with their last run, last error and next run' })
  @ApiOkResponse({ type: [TaskDto] })
  list(): Promise<TaskDto[]> {
    return this.scheduler.list();
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a task now, due or not',
    description:
      'Waits for the run and answers with its outcome; a run that failed is status "failed" ' +
      'with its error. The next scheduled run is due one interval after this one.',
  })
  @ApiOkResponse({ type: TaskRunDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such task' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'An instance is running it now' })
  run(@Param('name') name: string): Promise<TaskRunDto> {
    return this.scheduler.runNow(name);
  }
}
