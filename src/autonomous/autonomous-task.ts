export const DAY_MS = 24 * 60 * 60_000;
export const WEEK_MS = 7 * DAY_MS;

/** What a run reports: counts and short facts, shown to admins as they are. */
export type TaskResult = Record<string, string | number | boolean | string[] | null>;

/**
 * One scheduled job (spec: autonomous/). `run` does the whole job; the scheduler decides when,
 * makes sure only one instance runs it at a time, and records the outcome.
 */
export interface AutonomousTask {
  /** Lower snake_case: the URL segment and the `scheduler.<name>` state key. */
  readonly name: string;
  readonly description: string;
  readonly intervalMs: number;
  run(): Promise<TaskResult>;
}

/** Injection token of every task, in the order a check runs them. */
export const AUTONOMOUS_TASKS = Symbol('AUTONOMOUS_TASKS');

/** Thrown by a task for an outcome that is a failure but no bug (e.g. invalid model output). */
export class TaskFailedError extends Error {
  override name = 'TaskFailedError';
}
