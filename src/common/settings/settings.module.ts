import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeyValueEntity } from './key-value.entity.js';
import { KeyValueRepository } from './key-value.repository.js';
import { SettingsService } from './settings.service.js';

/** Shared key/value store and typed settings, used by llm, chat, admin and autonomous. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([KeyValueEntity])],
  providers: [KeyValueRepository, SettingsService],
  exports: [KeyValueRepository, SettingsService],
})
export class SettingsModule {}
