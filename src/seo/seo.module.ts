import { Module } from '@nestjs/common';

/** Seo domain: see its issue; empty until that lands. */
@Module({})
export class SeoModule {}
