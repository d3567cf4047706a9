import { Module } from '@nestjs/common';

/** Llm domain: see its issue; empty until that lands. */
@Module({})
export class LlmModule {}
