import { Module } from '@nestjs/common';

/** Auth domain: see its issue; empty until that lands. */
@Module({})
export class AuthModule {}
