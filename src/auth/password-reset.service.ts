import { BadRequestException, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../common/hash.js';
import { MailService } from '../common/mail/mail.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import type { ForgotPasswordDto } from './dto/forgot-password.dto.js';
import type { MessageResponseDto } from './dto/message-response.dto.js';
import type { ResetPasswordDto } from './dto/reset-password.dto.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordResetTokenRepository } from './password-reset-token.repository.js';
import { UsersService } from './users.service.js';

const RESET_TOKEN_TTL_MS = 60 * 60_000;

@Injectable()
export class PasswordResetService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: PasswordResetTokenRepository,
    private readonly passwords: PasswordHasher,
    private readonly mail: MailService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Mails a reset link when the account exists. The answer is the same either way, and the
   * mail goes out in the background, so neither the body nor the timing tells whether an
   * address is registered.
   */
  async requestReset(dto: ForgotPasswordDto): Promise<MessageResponseDto> {
    const user = await this.users.findByEmail(dto.email);
    if (user) {
      const token = randomBytes(32).toString('base64url');
      await this.tokens.replaceForUser(
        user.id,
        sha256Hex(token),
        new Date(Date.now() + RESET_TOKEN_TTL_MS),
      );
      this.mail.sendInBackground(this.resetMail(user.email, token));
    }
    return {
      message: 'If an account exists for this email, a link to reset the password is on its way.',
    };
  }

  /** Sets the new password; every token issued before stops working (see AuthTokenService). */
  async resetPassword(dto: ResetPasswordDto): Promise<MessageResponseDto> {
    const passwordHash = await this.passwords.hash(dto.password);
    const userId = await this.tokens.redeem(sha256Hex(dto.token), passwordHash, new Date());
    if (!userId) throw new BadRequestException('The reset link is invalid, used or expired');
    return { message: 'Your password has been changed. Sign in with the new password.' };
  }

  private resetMail(to: string, token: string) {
    const link = `${this.config.frontendUrl}/reset-password?token=${token}`;
    const site = this.config.site.name;
    return {
      to,
      subject: `${site}: reset your password`,
      text:
        `Someone asked to reset the password of your ${site} account.\n\n` +
        `To choose a new password, open this link within 60 minutes:\n${link}\n\n` +
        `If it was not you, ignore this email: your password stays as it is.`,
    };
  }
}
