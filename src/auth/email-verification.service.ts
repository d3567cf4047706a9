import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
  type OnModuleInit,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { sha256Hex } from '../common/hash.js';
import { JobQueue } from '../common/jobs/job-queue.service.js';
import { MailService } from '../common/mail/mail.service.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import type { MessageResponseDto } from './dto/message-response.dto.js';
import type { UserResponseDto } from './dto/user-response.dto.js';
import type { UserEntity } from './entities/user.entity.js';
import { UsersService } from './users.service.js';

/** Looks the account up, signs a confirmation token and mails the link, off the request. */
export const CONFIRMATION_MAIL_JOB = 'auth.email-confirmation-mail';

/** The `aud` of confirmation tokens: access tokens carry none, so neither passes for the other. */
export const CONFIRMATION_AUDIENCE = 'email-confirmation';

export const CONFIRMATION_TTL_SECONDS = 7 * 24 * 3600;

interface ConfirmationClaims {
  sub: string;
  /** SHA-256 of the lower-cased address the link was mailed to (the link shows no address). */
  eml: string;
}

const emailHash = (email: string): string => sha256Hex(email.toLowerCase());

/**
 * Proof that a password account owns its address. Registration proves nothing (anyone can type
 * any address), and a reset or a Google sign-in on an unproven account releases it to the
 * address's owner (UsersService.setProvenPassword / linkOAuth). A real registrant keeps their
 * account by confirming: the mailed token only counts when sent back with a session of the same
 * account, so it takes both the password and the mailbox, which a squatter never holds together.
 */
@Injectable()
export class EmailVerificationService implements OnModuleInit {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly mail: MailService,
    private readonly jobs: JobQueue,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<{ userId: string }>(CONFIRMATION_MAIL_JOB, ({ userId }) =>
      this.mailConfirmation(userId),
    );
  }

  /** Queues the confirmation mail; one pending job per account, however often it is asked. */
  async queueConfirmation(userId: string): Promise<void> {
    await this.jobs.enqueue(
      CONFIRMATION_MAIL_JOB,
      { userId },
      { dedupeKey: userId, maxAttempts: 3 },
    );
  }

  /** POST /auth/verify-email/resend: 409 once the address is confirmed. */
  async resend(userId: string): Promise<MessageResponseDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    if (user.emailVerifiedAt)
      throw new ConflictException('Your email address is already confirmed');
    await this.queueConfirmation(user.id);
    return { message: `A confirmation link is on its way to ${user.email}.` };
  }

  /**
   * The job. Nothing to do for an account gone, released or confirmed meanwhile; a failed send
   * throws, so the queue retries.
   */
  async mailConfirmation(userId: string): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user || user.emailVerifiedAt || user.releasedAt || user.disabledAt) return;
    await this.mail.send(this.confirmationMail(user.email, await this.issueToken(user)));
  }

  /** A token for the account's current address; `issuedAt` lets tests age it. */
  issueToken(user: Pick<UserEntity, 'id' | 'email'>, issuedAt = new Date()): Promise<string> {
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const claims: ConfirmationClaims & { iat: number } = {
      sub: user.id,
      eml: emailHash(user.email),
      iat,
    };
    // jsonwebtoken counts expiresIn from the payload's iat.
    return this.jwt.signAsync(claims, {
      audience: CONFIRMATION_AUDIENCE,
      expiresIn: CONFIRMATION_TTL_SECONDS,
    });
  }

  /**
   * Marks the caller's address proven when `token` was mailed to it for this very account.
   * Idempotent: confirming twice answers the same.
   */
  async verify(userId: string, token: string): Promise<UserResponseDto> {
    const claims = await this.readToken(token);
    if (claims.sub !== userId) {
      throw new BadRequestException(
        'This confirmation link belongs to another account: sign in to the account it was sent for',
      );
    }
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    const otherAddress = () =>
      new BadRequestException(
        "This confirmation link was sent to another address than the account's current one",
      );
    if (claims.eml !== emailHash(user.email)) throw otherAddress();
    // The address is checked again in the UPDATE: a release in between moves it away.
    if (!(await this.users.markEmailVerified(user.id, user.email))) throw otherAddress();
    return this.users.getProfile(user.id);
  }

  private async readToken(token: string): Promise<ConfirmationClaims> {
    let claims: Partial<ConfirmationClaims>;
    try {
      claims = await this.jwt.verifyAsync<ConfirmationClaims>(token, {
        audience: CONFIRMATION_AUDIENCE,
      });
    } catch (error) {
      if ((error as Error).name === 'TokenExpiredError') {
        throw new BadRequestException(
          'This confirmation link has expired: ask for a new one (POST /api/auth/verify-email/resend)',
        );
      }
      throw new BadRequestException('This confirmation link is invalid');
    }
    if (typeof claims.sub !== 'string' || typeof claims.eml !== 'string') {
      throw new BadRequestException('This confirmation link is invalid');
    }
    return { sub: claims.sub, eml: claims.eml };
  }

  private confirmationMail(to: string, token: string) {
    const link = `${this.config.frontendUrl}/verify-email#token=${token}`;
    const site = this.config.site.name;
    const days = CONFIRMATION_TTL_SECONDS / 86_400;
    return {
      to,
      subject: `${site}: confirm your email address`,
      text:
        `Someone created a ${site} account with this email address.\n\n` +
        `If it was you, open this link within ${days} days, signed in to that account, to ` +
        `confirm the address:\n${link}\n\n` +
        'Confirming keeps your account, with your characters and chats, when you later reset ' +
        'your password or sign in with Google.\n\n' +
        'If you did not create this account, ignore this mail: nothing is confirmed without ' +
        'you, and the address stays yours.',
    };
  }
}
