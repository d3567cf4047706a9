import {
  BadRequestException,
  ConflictException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { SignInEvents } from '../common/events/sign-in.events.js';
import { DEFAULT_LANGUAGE } from '../common/languages.js';
import { MailService } from '../common/mail/mail.service.js';
import { SettingsService } from '../common/settings/settings.service.js';
import { AuthTokenService } from './auth-token.service.js';
import type { AuthTokenResponseDto } from './dto/auth-token-response.dto.js';
import type { LoginDto } from './dto/login.dto.js';
import type { RegisterDto } from './dto/register.dto.js';
import { EmailVerificationService } from './email-verification.service.js';
import type { UserEntity } from './entities/user.entity.js';
import { LoginBackoffService } from './login-backoff/login-backoff.service.js';
import { PasswordHasher } from './password-hasher.js';
import { PowService } from './pow/pow.service.js';
import { UsersService } from './users.service.js';

/** Email and password accounts. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly tokens: AuthTokenService,
    private readonly pow: PowService,
    private readonly settings: SettingsService,
    private readonly mail: MailService,
    private readonly signIns: SignInEvents,
    private readonly emailVerification: EmailVerificationService,
    private readonly loginBackoff: LoginBackoffService,
  ) {}

  /** `anonSession`: the guest session the browser used so far; its chats move to the account. */
  async register(dto: RegisterDto, anonSession?: string): Promise<AuthTokenResponseDto> {
    // The honeypot: a field hidden from people, so only bots fill it in.
    if (dto.website) throw new BadRequestException('Registration was refused');
    await this.pow.verify(dto.challenge, dto.nonce);
    const user = await this.users.create({
      email: dto.email,
      passwordHash: await this.passwords.hash(dto.password),
      displayName: dto.display_name || null,
      preferredLanguage: dto.preferred_language ?? DEFAULT_LANGUAGE,
    });
    if (!user) throw new ConflictException('An account with this email already exists');
    // Registration proves nothing about the address; the mailed link lets its owner prove it.
    await this.emailVerification.queueConfirmation(user.id);
    await this.notifyAdmins(user);
    return this.signedIn(await this.tokens.issue(user), anonSession);
  }

  /**
   * Unknown emails and wrong passwords get the same 401 after the same hashing work. The
   * attempt was counted against the email before (LoginBackoffGuard); the right password
   * clears the count.
   */
  async login(dto: LoginDto, anonSession?: string): Promise<AuthTokenResponseDto> {
    const user = await this.users.findByEmail(dto.email);
    const valid = await this.passwords.verify(user?.passwordHash, dto.password);
    if (!user || !valid) throw new UnauthorizedException('Invalid email or password');
    await this.loginBackoff.succeeded(dto.email);
    const issued = await this.tokens.issue(await this.users.syncAdminRole(user));
    return this.signedIn(issued, anonSession);
  }

  private async signedIn(
    issued: AuthTokenResponseDto,
    anonSession: string | undefined,
  ): Promise<AuthTokenResponseDto> {
    await this.signIns.emit({ userId: issued.user.id, anonSession });
    return issued;
  }

  private async notifyAdmins(user: UserEntity): Promise<void> {
    if (!(await this.settings.get('notify_registration'))) return;
    this.mail.notifyAdmins('New registration', `${user.email} registered (${user.role}).`);
  }
}
