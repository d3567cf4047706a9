import { Module } from '@nestjs/common';

/** Autonomous domain: see its issue; empty until that lands. */
@Module({})
export class AutonomousModule {}
