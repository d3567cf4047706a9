import { Body, Controller, Get, Header, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Authenticated, Public } from '../common/auth/access.decorators.js';
import { AnonSession, ApiAnonSession } from '../common/auth/anon-session.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AuthService } from './auth.service.js';
import { BotDelay } from './bot-delay.interceptor.js';
import { AuthTokenResponseDto } from './dto/auth-token-response.dto.js';
import { ChallengeResponseDto } from './dto/challenge-response.dto.js';
import { EmailVerificationService } from './email-verification.service.js';
import { ForgotPasswordDto } from './dto/forgot-password.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { LoginBackoff } from './login-backoff/login-backoff.guard.js';
import { MessageResponseDto } from './dto/message-response.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { ResetPasswordResponseDto } from './dto/reset-password-response.dto.js';
import { ResetPasswordDto } from './dto/reset-password.dto.js';
import { UserResponseDto } from './dto/user-response.dto.js';
import { VerifyEmailDto } from './dto/verify-email.dto.js';
import { PasswordResetService } from './password-reset.service.js';
import { PowService } from './pow/pow.service.js';
import { RateLimit } from './rate-limit/rate-limits.js';
import { UsersService } from './users.service.js';

const GUEST_CHATS_MOVE =
  "The browser's guest session (a UUID): its guest chats move to the account";

const ApiInvalidBody = () =>
  ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The body fails validation' });

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly pow: PowService,
    private readonly passwordReset: PasswordResetService,
    private readonly users: UsersService,
    private readonly emailVerification: EmailVerificationService,
  ) {}

  @Get('challenge')
  @Public()
  @RateLimit('auth')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Proof-of-work challenge for registration',
    description:
      'Find a nonce such that sha256(challenge + nonce) in hex starts with `difficulty` zeros. ' +
      'Each challenge is good for one registration within `expires_in` seconds.',
  })
  @ApiOkResponse({ type: ChallengeResponseDto })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto })
  challenge(): Promise<ChallengeResponseDto> {
    return this.pow.issue();
  }

  @Post('register')
  @Public()
  @ApiAnonSession(GUEST_CHATS_MOVE)
  @RateLimit('auth', 'register')
  @BotDelay()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Create an account with email and password' })
  @ApiCreatedResponse({ type: AuthTokenResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Invalid body, wrong or used proof of work, or a filled-in honeypot',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The email is taken' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto })
  register(
    @Body() dto: RegisterDto,
    @AnonSession() anonSession: string | undefined,
  ): Promise<AuthTokenResponseDto> {
    return this.auth.register(dto, anonSession);
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Public()
  @ApiAnonSession(GUEST_CHATS_MOVE)
  @LoginBackoff()
  @RateLimit('auth')
  @BotDelay()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with email and password',
    description:
      'Besides the per-address limit, failed sign-ins to one email from any addresses are ' +
      'slowed (429 with Retry-After, 1 s doubling after `login_backoff_after_failures`) and ' +
      'then locked for `login_lockout_minutes`; unknown emails are answered the same way.',
  })
  @ApiOkResponse({ type: AuthTokenResponseDto })
  @ApiInvalidBody()
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Wrong email or password' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'Right password, but an admin disabled the account',
  })
  login(
    @Body() dto: LoginDto,
    @AnonSession() anonSession: string | undefined,
  ): Promise<AuthTokenResponseDto> {
    return this.auth.login(dto, anonSession);
  }

  @Post('forgot-password')
  @HttpCode(HttpStatus.ACCEPTED)
  @Public()
  @RateLimit('reset', 'resetHourly', 'resetEmail')
  @ApiOperation({
    summary: 'Mail a password reset link',
    description: 'Answers the same whether or not the email has an account.',
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiInvalidBody()
  forgotPassword(@Body() dto: ForgotPasswordDto): Promise<MessageResponseDto> {
    return this.passwordReset.requestReset(dto);
  }

  @Post('reset-password')
  @HttpCode(HttpStatus.OK)
  @Public()
  @RateLimit('auth')
  @ApiOperation({
    summary: 'Set a new password with a mailed reset token',
    description:
      'The token works once, for 60 minutes; every access token issued before stops working. ' +
      'On an account that never proved its email, the owner starts on a fresh account ' +
      '(`fresh_account`): what was made on the old one stays with it, disabled.',
  })
  @ApiOkResponse({ type: ResetPasswordResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Invalid body, or a wrong, used or expired token',
  })
  resetPassword(@Body() dto: ResetPasswordDto): Promise<ResetPasswordResponseDto> {
    return this.passwordReset.resetPassword(dto);
  }

  @Post('verify-email')
  @HttpCode(HttpStatus.OK)
  @Authenticated()
  @RateLimit('auth')
  @ApiOperation({
    summary: 'Confirm the email address with the mailed token',
    description:
      'Send the `token` of the link mailed at registration (or by `verify-email/resend`) ' +
      'with the access token of the same account: only someone holding both the password ' +
      'and the mailbox can confirm. Then a password reset or a Google sign-in with the ' +
      'address keeps this account and its content. Confirming again changes nothing.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'Invalid body, or a token that is malformed, expired, for another account or for ' +
      "another address than the account's",
  })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Not signed in' })
  verifyEmail(
    @CurrentUser() user: AuthUser,
    @Body() dto: VerifyEmailDto,
  ): Promise<UserResponseDto> {
    return this.emailVerification.verify(user.id, dto.token);
  }

  @Post('verify-email/resend')
  @HttpCode(HttpStatus.ACCEPTED)
  @Authenticated()
  @RateLimit('verifyEmailResend')
  @ApiOperation({
    summary: 'Mail the email confirmation link again',
    description: "To the account's address, good for 7 days; 3 an hour per account.",
  })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Not signed in' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The address is already confirmed' })
  resendVerification(@CurrentUser() user: AuthUser): Promise<MessageResponseDto> {
    return this.emailVerification.resend(user.id);
  }

  @Get('me')
  @Authenticated()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserResponseDto })
  me(@CurrentUser() user: AuthUser): Promise<UserResponseDto> {
    return this.users.getProfile(user.id);
  }

  @Post('me/confirm-adult')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm being an adult (18+), which NSFW content requires' })
  @ApiOkResponse({ type: UserResponseDto })
  confirmAdult(@CurrentUser() user: AuthUser): Promise<UserResponseDto> {
    return this.users.confirmAdult(user.id);
  }
}
