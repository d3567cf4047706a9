import { Global, Module } from '@nestjs/common';
import { JobQueue } from './job-queue.service.js';
import { JobRepository } from './job.repository.js';

@Global()
@Module({ providers: [JobRepository, JobQueue], exports: [JobQueue] })
export class JobsModule {}
