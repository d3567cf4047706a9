import {
  type BeforeApplicationShutdown,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { type Job, JobQueue } from '../common/jobs/job-queue.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { AdminAlerts, lasted } from './admin-alerts.service.js';
import { AUTONOMOUS_TASKS, type AutonomousTask, type TaskResult } from './autonomous-task.js';
import { type TaskDto, type TaskRunDto, toTaskDto, toTaskRunDto } from './dto/task.dto.js';
import { SchedulerRepository, type TaskState } from './scheduler.repository.js';

/** A failed run is tried again this much later instead of a whole interval later. */
export const RETRY_AFTER_FAILURE_MS = 6 * 60 * 60_000;
/** A failing run's job is tried this often (with backoff) before the task waits for its retry. */
const TASK_ATTEMPTS = 3;
const MAX_ERROR_LENGTH = 2_000;

/** The job that runs a task: `autonomous.<task name>`, one pending per task. */
export const taskJobType = (name: string) => `autonomous.${name}`;
/** The admins' alert about a task whose runs fail (AdminAlerts). */
export const taskAlert = (name: string) => `task.${name}`;

/** `manual`: asked for by an admin, so it runs due or not. */
interface TaskJob {
  manual?: boolean;
}

type RunOutcome = { status: 'ok'; result: TaskResult } | { status: 'failed'; error: string };

const isDue = (state: TaskState, now: number) =>
  state.nextDueAt === null || Date.parse(state.nextDueAt) <= now;

/**
 * Schedules the autonomous tasks (spec: scheduler.py) on the job queue. AUTONOMOUS_STARTUP_DELAY_MS
 * after start-up and then every AUTONOMOUS_CHECK_INTERVAL_MS (hourly) each instance looks for
 * due tasks and only queues them, as `autonomous.<task>` jobs; the queue's workers run them.
 * Every instance looks, exactly one runs each due task: a task has at most one pending job,
 * none is queued while one runs, and a job that finds its task already run since it was
 * queued does nothing. No lock, transaction or pooled connection is held across a run. A task
 * that throws is recorded and retried by the queue with backoff; it never stops the app. When
 * its last attempt fails too the admins get a mail, and another once a run succeeds again.
 */
@Injectable()
export class SchedulerService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('Scheduler');
  private readonly tasks: ReadonlyMap<string, AutonomousTask>;
  private checking?: Promise<void>;
  private stopping = false;

  constructor(
    @Inject(AUTONOMOUS_TASKS) tasks: AutonomousTask[],
    private readonly repository: SchedulerRepository,
    private readonly jobs: JobQueue,
    private readonly timers: SchedulerRegistry,
    private readonly alerts: AdminAlerts,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.tasks = new Map(tasks.map((task) => [task.name, task]));
  }

  onModuleInit(): void {
    // Registered on every instance, scheduler on or off: any instance's workers may run them.
    for (const task of this.tasks.values()) {
      this.jobs.register<TaskJob>(taskJobType(task.name), (payload, job) =>
        this.runJob(task, payload, job),
      );
    }
  }

  onApplicationBootstrap(): void {
    const { enabled, startupDelayMs, checkIntervalMs } = this.config.autonomous;
    if (!enabled) {
      this.logger.log('Autonomous tasks are off (AUTONOMOUS_ENABLED=false)');
      return;
    }
    this.logger.log(
      `Autonomous tasks: first check in ${startupDelayMs / 1000} s, then every ${checkIntervalMs / 1000} s`,
    );
    const first = setTimeout(() => {
      if (this.stopping) return;
      void this.checkDue();
      this.timers.addInterval(
        'autonomous.check',
        setInterval(() => void this.checkDue(), checkIntervalMs),
      );
    }, startupDelayMs);
    this.timers.addTimeout('autonomous.first-check', first);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.checking;
  }

  /** Queues every due task, in run order; a check already under way is joined, not repeated. */
  checkDue(): Promise<void> {
    this.checking ??= this.enqueueDue().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Every task with its state, in run order (admins). */
  async list(): Promise<TaskDto[]> {
    const running = await this.jobs.runningTypes([...this.tasks.keys()].map(taskJobType));
    return Promise.all(
      [...this.tasks.values()].map(async (task) =>
        toTaskDto(
          task,
          await this.repository.state(task.name),
          running.has(taskJobType(task.name)),
        ),
      ),
    );
  }

  /**
   * Runs a task now, due or not (admins), as its job and in this request: 404 for an unknown
   * task, 409 while an instance runs it. A failed run is an answer, not an error (its job is
   * retried with backoff like a scheduled one).
   */
  async runNow(name: string): Promise<TaskRunDto> {
    const task = this.tasks.get(name);
    if (!task) {
      throw new NotFoundException(
        `Unknown task "${name}"; tasks: ${[...this.tasks.keys()].join(', ')}`,
      );
    }
    const manual: TaskJob = { manual: true };
    const ran = await this.jobs.runNow(taskJobType(name), manual, {
      dedupeKey: name,
      maxAttempts: TASK_ATTEMPTS,
    });
    if (!ran) throw new ConflictException(`Task "${name}" is running already`);
    return toTaskRunDto(task, await this.repository.state(name));
  }

  private async enqueueDue(): Promise<void> {
    for (const task of this.tasks.values()) {
      if (this.stopping) return;
      try {
        if (!isDue(await this.repository.state(task.name), Date.now())) continue;
        await this.jobs.enqueue(
          taskJobType(task.name),
          {},
          { dedupeKey: task.name, maxAttempts: TASK_ATTEMPTS, whenIdle: true },
        );
      } catch (error) {
        this.logger.warn(`Could not queue task ${task.name}: ${messageOf(error)}`);
      }
    }
  }

  /** The job: runs the task and records the outcome; a failed run throws, so it is retried. */
  private async runJob(task: AutonomousTask, payload: TaskJob, job: Job): Promise<void> {
    // Another instance's job may have run it between this one's check and its queueing. A
    // retry (attempt 2 and on) follows its own failed run, which made the task not due.
    const first = job.attempts === 1 && !payload.manual;
    if (first && !isDue(await this.repository.state(task.name), Date.now())) return;
    const outcome = await this.execute(task);
    if (outcome.status === 'ok') return this.alertRecovered(task.name);
    if (job.attempts >= job.maxAttempts) await this.alertFailed(task.name, outcome.error, job);
    throw new Error(outcome.error);
  }

  /** Mails the admins that the task's job gave up; never throws (the run is recorded). */
  private async alertFailed(name: string, error: string, job: Job): Promise<void> {
    try {
      const { nextDueAt } = await this.repository.state(name);
      await this.alerts.raise(taskAlert(name), {
        subject: `scheduled task ${name} failed`,
        text: [
          `The scheduled task ${name} failed ${job.attempts} time(s) in a row (job ${job.id}):`,
          '',
          error,
          '',
          `It runs again when next due${nextDueAt ? `, from ${nextDueAt}` : ''}, or now with ` +
            `POST /api/admin/tasks/${name}/run. A mail follows once a run succeeds.`,
        ].join('\n'),
      });
    } catch (failure) {
      this.logger.warn(`Task ${name}: alert not raised: ${messageOf(failure)}`);
    }
  }

  /** Mails the admins that a task they were told about works again; never throws. */
  private async alertRecovered(name: string): Promise<void> {
    try {
      await this.alerts.resolve(taskAlert(name), (openedAt) => ({
        subject: `scheduled task ${name} works again`,
        text: `A run of the scheduled task ${name} succeeded, ${lasted(openedAt.getTime(), Date.now())} after the failure the admins were told about.`,
      }));
    } catch (failure) {
      this.logger.warn(`Task ${name}: alert not resolved: ${messageOf(failure)}`);
    }
  }

  /** Runs the task and records the outcome; a failure is an outcome too. */
  private async execute(task: AutonomousTask): Promise<RunOutcome> {
    const previous = await this.repository.state(task.name);
    const startedAt = new Date();
    let outcome: RunOutcome;
    try {
      outcome = { status: 'ok', result: await task.run() };
      this.logger.log(`Task ${task.name} done: ${JSON.stringify(outcome.result)}`);
    } catch (error) {
      outcome = { status: 'failed', error: messageOf(error).slice(0, MAX_ERROR_LENGTH) };
      this.logger.warn(`Task ${task.name} failed: ${outcome.error}`);
    }
    const finishedAt = Date.now();
    const wait =
      outcome.status === 'ok' ? task.intervalMs : Math.min(task.intervalMs, RETRY_AFTER_FAILURE_MS);
    // Due again an interval after this run started, less half a check interval: the check
    // that comes an interval after the one that started it must find it due. Counted from
    // the end of the run, a daily task would wait for the next check, every 25 hours.
    const slack = Math.min(this.config.autonomous.checkIntervalMs, wait) / 2;
    const state: TaskState = {
      lastStartedAt: startedAt.toISOString(),
      lastFinishedAt: new Date(finishedAt).toISOString(),
      lastStatus: outcome.status,
      lastResult: outcome.status === 'ok' ? outcome.result : null,
      lastError: outcome.status === 'failed' ? outcome.error : null,
      nextDueAt: new Date(startedAt.getTime() + wait - slack).toISOString(),
      runCount: previous.runCount + 1,
    };
    await this.repository.saveState(task.name, state);
    return outcome;
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
