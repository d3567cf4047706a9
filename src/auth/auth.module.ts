import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule, type JwtSignOptions } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { createSecretKey } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { REDIS, type RedisClient } from '../common/redis/redis.module.js';
import { RowChangesModule } from '../common/row-changes/row-change-feed.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AccessGuard } from './access.guard.js';
import { AuthTokenService } from './auth-token.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { EmailVerificationService } from './email-verification.service.js';
import { PasswordResetTokenEntity } from './entities/password-reset-token.entity.js';
import { UserEntity } from './entities/user.entity.js';
import { GoogleAuthController } from './google/google-auth.controller.js';
import { GoogleAuthService } from './google/google-auth.service.js';
import { GoogleOAuthStrategy } from './google/google-oauth.strategy.js';
import {
  LOGIN_ATTEMPT_STORE,
  PostgresLoginAttemptStore,
  RedisLoginAttemptStore,
} from './login-backoff/login-attempt.store.js';
import { LoginBackoffService } from './login-backoff/login-backoff.service.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordResetTokenRepository } from './password-reset-token.repository.js';
import { PasswordResetService } from './password-reset.service.js';
import { MemoryChallengeStore, RedisChallengeStore } from './pow/challenge-store.js';
import { CHALLENGE_STORE, PowService } from './pow/pow.service.js';
import { throttlerOptions } from './rate-limit/rate-limits.js';
import { RedisThrottlerStorage } from './rate-limit/redis-throttler.storage.js';
import { DailyAllowanceService } from './usage/daily-allowance.service.js';
import { MessageQuotaService } from './usage/message-quota.service.js';
import { QuotaCounterRepository } from './usage/quota-counter.repository.js';
import { UsersRepository } from './users.repository.js';
import { TokenUsageTally } from './token-usage-tally.service.js';
import { UsersService } from './users.service.js';
import { BanRegistry } from './violations/ban-registry.service.js';
import { BanGuard } from './violations/ban.guard.js';
import { PenaltyClock } from './violations/penalty-clock.js';
import { ViolationService } from './violations/violation.service.js';
import { ViolationsRepository } from './violations/violations.repository.js';

/** JWT_EXPIRES_IN allows bare seconds ("3600"); jsonwebtoken would read a bare string as ms. */
const jwtExpiresIn = (value: string) =>
  (/^\d+$/.test(value) ? Number(value) : value) as JwtSignOptions['expiresIn'];

/**
 * Accounts, sign-in, and the access rules of every route: the global AccessGuard lives here,
 * and ThrottlerModule (global) backs @RateLimit()/@MessageThrottle() wherever they are used.
 * With REDIS_URL set, rate-limit counters, PoW challenges and failed sign-ins per account are
 * shared by all instances through Redis (else failed sign-ins are counted in PostgreSQL).
 * Violation scores and timed bans (violations/) are PostgreSQL's; the global BanGuard refuses
 * banned users and addresses after the AccessGuard has identified the caller.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity, PasswordResetTokenEntity]),
    RowChangesModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // A KeyObject: given a string, jsonwebtoken first tries to parse it as a PEM public
        // key and throws, ~0.8 ms of CPU on every authenticated request.
        secret: createSecretKey(Buffer.from(config.auth.jwtSecret)),
        // Pinned both ways: a token never picks its own algorithm (`none`, RS/HS confusion).
        signOptions: { algorithm: 'HS256', expiresIn: jwtExpiresIn(config.auth.jwtExpiresIn) },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: RedisClient) =>
        throttlerOptions(
          config.auth.rateLimitScale,
          redis ? new RedisThrottlerStorage(redis, config.redisKeyPrefix) : undefined,
        ),
    }),
  ],
  controllers: [AuthController, GoogleAuthController],
  providers: [
    UsersRepository,
    UsersService,
    TokenUsageTally,
    PasswordHasher,
    AuthTokenService,
    AuthService,
    PasswordResetTokenRepository,
    PasswordResetService,
    EmailVerificationService,
    PowService,
    {
      provide: CHALLENGE_STORE,
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: RedisClient) =>
        redis ? new RedisChallengeStore(redis, config.redisKeyPrefix) : new MemoryChallengeStore(),
    },
    GoogleOAuthStrategy,
    GoogleAuthService,
    MessageQuotaService,
    QuotaCounterRepository,
    DailyAllowanceService,
    PenaltyClock,
    ViolationsRepository,
    BanRegistry,
    ViolationService,
    LoginBackoffService,
    {
      provide: LOGIN_ATTEMPT_STORE,
      inject: [APP_CONFIG, REDIS, getDataSourceToken()],
      useFactory: (config: AppConfig, redis: RedisClient, dataSource: DataSource) =>
        redis
          ? new RedisLoginAttemptStore(redis, config.redisKeyPrefix)
          : new PostgresLoginAttemptStore(dataSource),
    },
    // Global guards run in this order: the ban check needs the caller the access guard found.
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: BanGuard },
  ],
  // JwtModule: other modules sign their own short-lived tokens (each under its own audience).
  // ViolationService: every module that refuses something records the violation.
  exports: [
    UsersService,
    MessageQuotaService,
    DailyAllowanceService,
    JwtModule,
    ViolationService,
    LoginBackoffService,
  ],
})
export class AuthModule {}
