import { Module } from '@nestjs/common';

/** Admin domain: see its issue; empty until that lands. */
@Module({})
export class AdminModule {}
