import { Module } from '@nestjs/common';

/** Chat domain: see its issue; empty until that lands. */
@Module({})
export class ChatModule {}
