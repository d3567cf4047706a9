import { Module } from '@nestjs/common';

/** Characters domain: see its issue; empty until that lands. */
@Module({})
export class CharactersModule {}
