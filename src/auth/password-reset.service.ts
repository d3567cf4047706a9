import { BadRequestException, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { sha256Hex } from '../common/hash.js';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { MailService } from '../common/mail/mail.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import type { ForgotPasswordDto } from './dto/forgot-password.dto.js';
import type { MessageResponseDto } from './dto/message-response.dto.js';
import type { ResetPasswordResponseDto } from './dto/reset-password-response.dto.js';
import type { ResetPasswordDto } from './dto/reset-password.dto.js';
import { LoginBackoffService } from './login-backoff/login-backoff.service.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordResetTokenRepository } from './password-reset-token.repository.js';
import { UsersService } from './users.service.js';

const RESET_TOKEN_TTL_MS = 60 * 60_000;

/** Looks the address up, stores a token and mails the link, off the request's path. */
export const RESET_MAIL_JOB = 'auth.password-reset-mail';

@Injectable()
export class PasswordResetService implements OnModuleInit {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: PasswordResetTokenRepository,
    private readonly passwords: PasswordHasher,
    private readonly mail: MailService,
    private readonly jobs: JobQueue,
    @InjectConfig() private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly loginBackoff: LoginBackoffService,
  ) {}

  onModuleInit(): void {
    this.jobs.register<{ email: string }>(RESET_MAIL_JOB, ({ email }) => this.mailResetLink(email));
  }

  /**
   * Queues the reset mail. The request does the same work (one job insert) whether or not the
   * address has an account: the lookup, the token write and the mail all happen in the job, so
   * neither the answer nor its timing tells whether an address is registered. One pending job
   * per address: repeated requests before it runs send one mail.
   */
  async requestReset(dto: ForgotPasswordDto): Promise<MessageResponseDto> {
    await this.jobs.enqueue(
      RESET_MAIL_JOB,
      { email: dto.email },
      { dedupeKey: dto.email.toLowerCase(), maxAttempts: 3 },
    );
    return {
      message: 'If an account exists for this email, a link to reset the password is on its way.',
    };
  }

  /**
   * The job: a fresh token (replacing the older link) and the mail, when the account exists.
   * A failed send throws, so the queue retries with a new token; the unsent one is replaced.
   */
  async mailResetLink(email: string): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (!user) return;
    const token = randomBytes(32).toString('base64url');
    await this.tokens.replaceForUser(
      user.id,
      sha256Hex(token),
      new Date(Date.now() + RESET_TOKEN_TTL_MS),
    );
    await this.mail.send(this.resetMail(user.email, token, !user.emailVerifiedAt));
  }

  /**
   * Sets the new password; every token issued before stops working (see AuthTokenService).
   * The link went to the address, so whoever opened it owns it: an account that had never
   * proven it is left behind and the owner starts fresh (UsersService.setProvenPassword).
   * The link is burned in the password's transaction: a failure in between leaves it working.
   * A sign-in locked by failed attempts (LoginBackoffService) opens again.
   */
  async resetPassword(dto: ResetPasswordDto): Promise<ResetPasswordResponseDto> {
    const passwordHash = await this.passwords.hash(dto.password);
    const proven = await this.dataSource.transaction(async (manager) => {
      const userId = await this.tokens.burn(sha256Hex(dto.token), manager);
      const account =
        userId && (await this.users.setProvenPassword(userId, passwordHash, new Date(), manager));
      if (!account) throw new BadRequestException('The reset link is invalid, used or expired');
      return account;
    });
    // Whoever opened the mailed link owns the address: failed sign-ins no longer lock it.
    await this.loginBackoff.succeeded(proven.user.email);
    return {
      message: proven.fresh
        ? 'Your password has been set on a fresh account: this address had never been ' +
          'confirmed, so what was made on the account registered with it stays behind. Sign ' +
          'in with the new password.'
        : 'Your password has been changed. Sign in with the new password.',
      fresh_account: proven.fresh,
    };
  }

  /** `unproven`: the account never confirmed the address, so a reset starts a fresh one. */
  private resetMail(to: string, token: string, unproven: boolean) {
    const link = `${this.config.frontendUrl}/reset-password?token=${token}`;
    const site = this.config.site.name;
    return {
      to,
      subject: `${site}: reset your password`,
      text:
        `Someone asked to reset the password of your ${site} account.\n\n` +
        `To choose a new password, open this link within 60 minutes:\n${link}\n\n` +
        (unproven
          ? 'This address was never confirmed on that account, so anyone could have ' +
            'registered it. Choosing a password gives you a fresh, empty account with this ' +
            'address; what was made on the old one stays with it.\n\n'
          : '') +
        `If it was not you, ignore this email: your password stays as it is.`,
    };
  }
}
