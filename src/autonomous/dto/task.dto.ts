import { ApiProperty } from '@nestjs/swagger';
import type { AutonomousTask } from '../autonomous-task.js';
import type { TaskState } from '../scheduler.repository.js';

export class TaskDto {
  @ApiProperty({ example: 'counter_growth' })
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ description: 'Time between runs (one day, or one week for relations)' })
  interval_seconds: number;

  @ApiProperty({ description: 'Some instance is running it now' })
  running: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_started_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_finished_at: string | null;

  @ApiProperty({ enum: ['ok', 'failed'], nullable: true })
  last_status: 'ok' | 'failed' | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What the last successful run did',
  })
  last_result: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true })
  last_error: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Runs at the first hourly check after this; null: at the next check',
  })
  next_due_at: string | null;

  @ApiProperty()
  run_count: number;
}

export class TaskRunDto {
  @ApiProperty({ enum: ['ok', 'failed'] })
  status: 'ok' | 'failed';

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  result: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true })
  error: string | null;

  @ApiProperty({ type: TaskDto })
  task: TaskDto;
}

export function toTaskDto(task: AutonomousTask, state: TaskState, running: boolean): TaskDto {
  return {
    name: task.name,
    description: task.description,
    interval_seconds: task.intervalMs / 1000,
    running,
    last_started_at: state.lastStartedAt,
    last_finished_at: state.lastFinishedAt,
    last_status: state.lastStatus,
    last_result: state.lastResult,
    last_error: state.lastError,
    next_due_at: state.nextDueAt,
    run_count: state.runCount,
  };
}

/** The outcome of a run just made, from the state it recorded. */
export function toTaskRunDto(task: AutonomousTask, state: TaskState): TaskRunDto {
  const ok = state.lastStatus === 'ok';
  return {
    status: ok ? 'ok' : 'failed',
    result: ok ? state.lastResult : null,
    error: ok ? null : state.lastError,
    task: toTaskDto(task, state, false),
  };
}
