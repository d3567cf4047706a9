import {
  type BeforeApplicationShutdown,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { AUTONOMOUS_TASKS, type AutonomousTask, type TaskResult } from './autonomous-task.js';
import { type TaskDto, type TaskRunDto, toTaskDto, toTaskRunDto } from './dto/task.dto.js';
import { SchedulerRepository, type TaskState } from './scheduler.repository.js';

/** A failed run is tried again this much later instead of a whole interval later. */
export const RETRY_AFTER_FAILURE_MS = 6 * 60 * 60_000;
/** Shutdown waits this long for a run in progress before letting it go. */
const SHUTDOWN_WAIT_MS = 30_000;
const MAX_ERROR_LENGTH = 2_000;

export type RunOutcome =
  | { status: 'ok'; result: TaskResult; state: TaskState }
  | { status: 'failed'; error: string; state: TaskState };

const isDue = (state: TaskState, now: number) =>
  state.nextDueAt === null || Date.parse(state.nextDueAt) <= now;

/**
 * Runs the autonomous tasks (spec: scheduler.py): AUTONOMOUS_STARTUP_DELAY_MS after start-up
 * and then every AUTONOMOUS_CHECK_INTERVAL_MS (hourly) each instance looks for due tasks and
 * runs them one after another. Every instance looks, exactly one runs each due task: a run
 * holds the task's database lock and re-reads the state under it. A task that throws is
 * logged and recorded, and never stops the loop or the app.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly tasks: ReadonlyMap<string, AutonomousTask>;
  private checking?: Promise<void>;
  private stopping = false;

  constructor(
    @Inject(AUTONOMOUS_TASKS) tasks: AutonomousTask[],
    private readonly repository: SchedulerRepository,
    private readonly timers: SchedulerRegistry,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.tasks = new Map(tasks.map((task) => [task.name, task]));
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
    if (!this.checking) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.checking,
      new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  /** Runs every due task once, in order; a check already under way is joined, not repeated. */
  checkDue(): Promise<void> {
    this.checking ??= this.runDueTasks().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Every task with its state, in run order (admins). */
  async list(): Promise<TaskDto[]> {
    const running = await this.repository.running([...this.tasks.keys()]);
    return Promise.all(
      [...this.tasks.values()].map(async (task) =>
        toTaskDto(task, await this.repository.state(task.name), running.has(task.name)),
      ),
    );
  }

  /**
   * Runs a task now, due or not (admins), under the same lock as scheduled runs: 404 for an
   * unknown task, 409 while an instance runs it. A failed run is an answer, not an error.
   */
  async runNow(name: string): Promise<TaskRunDto> {
    const task = this.tasks.get(name);
    if (!task) {
      throw new NotFoundException(
        `Unknown task "${name}"; tasks: ${[...this.tasks.keys()].join(', ')}`,
      );
    }
    const outcome = await this.repository.withLock(task.name, () => this.execute(task));
    if (!outcome) throw new ConflictException(`Task "${name}" is running already`);
    return toTaskRunDto(task, outcome);
  }

  private async runDueTasks(): Promise<void> {
    for (const task of this.tasks.values()) {
      if (this.stopping) return;
      try {
        if (!isDue(await this.repository.state(task.name), Date.now())) continue;
        // Another instance may have run it since the look above: decide again under the lock.
        await this.repository.withLock(task.name, async () => {
          if (isDue(await this.repository.state(task.name), Date.now())) await this.execute(task);
        });
      } catch (error) {
        this.logger.warn(`Could not run task ${task.name}: ${messageOf(error)}`);
      }
    }
  }

  /** Runs the task (its lock held) and records the outcome; a failure is an outcome too. */
  private async execute(task: AutonomousTask): Promise<RunOutcome> {
    const previous = await this.repository.state(task.name);
    const startedAt = new Date();
    let outcome: { status: 'ok'; result: TaskResult } | { status: 'failed'; error: string };
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
    return { ...outcome, state };
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
