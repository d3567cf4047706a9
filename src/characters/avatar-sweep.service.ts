import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { readdir } from 'node:fs/promises';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { AVATAR_FILE_NAME, AvatarStorage, type StoredAvatarState } from './avatar-storage.js';

/** The job type and dedupe key the LegacyAvatarSweep migration queues the first batch with. */
export const AVATAR_SWEEP_JOB = 'avatars.reencode-legacy';
export const AVATAR_SWEEP_KEY = 'legacy';
export const AVATAR_SWEEP_BATCH = 100;

export interface AvatarSweepBatch {
  /** The last file name the previous batch looked at; null for the first batch. */
  after: string | null;
}

export type AvatarSweepCounts = Record<StoredAvatarState, number>;

/**
 * The one-time sweep of avatar files stored before uploads were re-encoded: each is made clean
 * on disk (AvatarStorage.ensureClean), so no copy of it, a backup included, still holds a
 * card's chunks or EXIF. The avatar route already never serves such a file as it is; this
 * leaves none behind. It runs on the job queue in batches of AVATAR_SWEEP_BATCH files in name
 * order, each batch queueing the next after its last name, so other jobs are not held up and
 * one instance at a time works on it. A batch run twice (its worker died) re-encodes nothing
 * twice: clean files are recognised and left alone.
 */
@Injectable()
export class AvatarSweepService implements OnModuleInit {
  private readonly logger = new Logger(AvatarSweepService.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly avatars: AvatarStorage,
  ) {}

  onModuleInit(): void {
    this.jobs.register<AvatarSweepBatch>(AVATAR_SWEEP_JOB, async (batch) => {
      await this.sweepBatch(batch);
    });
  }

  /** Cleans the next batch of files after `after` and queues the batch after it, if any. */
  async sweepBatch({ after }: AvatarSweepBatch): Promise<AvatarSweepCounts> {
    const names = await this.storedNames();
    const batch = names.filter((name) => after === null || name > after);
    const counts: AvatarSweepCounts = { clean: 0, cleaned: 0, missing: 0, unusable: 0 };
    for (const name of batch.slice(0, AVATAR_SWEEP_BATCH)) {
      counts[await this.avatars.ensureClean(name)]++;
    }
    if (batch.length > AVATAR_SWEEP_BATCH) {
      await this.jobs.enqueue(
        AVATAR_SWEEP_JOB,
        { after: batch[AVATAR_SWEEP_BATCH - 1] } satisfies AvatarSweepBatch,
        { dedupeKey: AVATAR_SWEEP_KEY },
      );
    } else {
      this.logger.log('Legacy avatar sweep finished');
    }
    if (counts.cleaned + counts.unusable > 0) {
      this.logger.log(
        `Legacy avatar sweep: ${counts.cleaned} re-encoded, ${counts.unusable} unusable (not served)`,
      );
    }
    return counts;
  }

  private async storedNames(): Promise<string[]> {
    const names = await readdir(this.avatars.directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return names.filter((name) => AVATAR_FILE_NAME.test(name)).sort();
  }
}
