import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_CONFIG } from './app-config.js';
import type { AppConfig } from './configuration.js';

/**
 * Provides the configuration validated in main.ts (or built by a test) as APP_CONFIG, and
 * through @nestjs/config's ConfigService for code that prefers `get('auth.jwtSecret')`.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => config] })],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG, ConfigModule],
    };
  }
}
