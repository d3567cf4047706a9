import { Injectable } from '@nestjs/common';
import { KeyValueRepository } from '../common/settings/key-value.repository.js';

const STATE_PREFIX = 'scheduler.';

/** Persisted per task under `scheduler.<task>` (spec: scheduler state in prompt_templates). */
export interface TaskState {
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastStatus: 'ok' | 'failed' | null;
  lastResult: Record<string, unknown> | null;
  lastError: string | null;
  nextDueAt: string | null;
  runCount: number;
}

export const EMPTY_TASK_STATE: TaskState = {
  lastStartedAt: null,
  lastFinishedAt: null,
  lastStatus: null,
  lastResult: null,
  lastError: null,
  nextDueAt: null,
  runCount: 0,
};

/**
 * Task state. Which instance runs a task, and whether one is running it, is the job queue's
 * business (SchedulerService): nothing here holds a lock or a connection across a run.
 */
@Injectable()
export class SchedulerRepository {
  constructor(private readonly store: KeyValueRepository) {}

  async state(task: string): Promise<TaskState> {
    const raw = await this.store.get(STATE_PREFIX + task);
    return raw
      ? { ...EMPTY_TASK_STATE, ...(JSON.parse(raw) as Partial<TaskState>) }
      : EMPTY_TASK_STATE;
  }

  async saveState(task: string, state: TaskState): Promise<void> {
    await this.store.set(STATE_PREFIX + task, JSON.stringify(state));
  }
}
