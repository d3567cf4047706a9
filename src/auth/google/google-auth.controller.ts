import {
  Controller,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { CookieOptions, Request, Response } from 'express';
import { Public } from '../../common/auth/access.decorators.js';
import { AnonSession, ApiAnonSession, parseAnonSession } from '../../common/auth/anon-session.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import { GoogleSignInStartResponseDto } from '../dto/google-sign-in-start-response.dto.js';
import { RateLimit } from '../rate-limit/rate-limits.js';
import { GoogleAuthService } from './google-auth.service.js';
import { GoogleCallbackRateLimitFilter } from './google-callback.filter.js';

const STATE_COOKIE = 'google_oauth_state';

/** Only this controller's two routes ever see the cookie; Lax lets Google's redirect carry it. */
const stateCookieOptions = (request: Request): CookieOptions => ({
  httpOnly: true,
  sameSite: 'lax',
  secure: request.secure,
  path: '/api/auth/google',
  maxAge: 10 * 60_000,
});

/** The one cookie this API reads; not worth cookie-parser middleware on every request. */
function readCookie(request: Request, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) {
      return pair.slice(separator + 1).trim();
    }
  }
  return undefined;
}

/** With TRUST_PROXY, req.protocol follows X-Forwarded-Proto. */
const originOf = (request: Request): string => `${request.protocol}://${request.get('host')}`;

const GUEST_CHATS_MOVE =
  "The browser's guest session (a UUID): its guest chats move to the account. Only a header " +
  'counts: a link cannot set one, so a sign-in link can never name the session to move.';

@ApiTags('auth')
@ApiServiceUnavailableResponse({
  type: ErrorResponseDto,
  description: 'Google sign-in is not configured',
})
@Controller('auth/google')
export class GoogleAuthController {
  constructor(private readonly google: GoogleAuthService) {}

  /**
   * The way to sign in with guest chats: the frontend calls this with the browser's own
   * X-Anon-Session (a custom header, so no link or cross-site form can choose it), and sends
   * the browser to the returned URL. The session is bound into the state cookie's HMAC.
   */
  @Post('start')
  @HttpCode(HttpStatus.OK)
  @Public()
  @ApiAnonSession(GUEST_CHATS_MOVE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "Start Google sign-in from the frontend: sets the state cookie, returns Google's URL",
    description:
      'Call with `credentials: "include"` and the `X-Anon-Session` header, then navigate to ' +
      "`url`. After the callback, that guest session's chats belong to the account. The " +
      'state cookie is `SameSite=Lax`, so browsers store it only when the frontend and the ' +
      'API are same-site (one registrable domain, e.g. app.example.com and api.example.com); ' +
      'from another site the fetch gets its answer but the cookie is dropped, and the ' +
      'callback fails. Serve both under one site.',
  })
  @ApiOkResponse({ type: GoogleSignInStartResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'X-Anon-Session is not a UUID' })
  async startFromFrontend(
    @AnonSession() anonSession: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<GoogleSignInStartResponseDto> {
    const { url, stateCookie } = await this.google.start(originOf(request), anonSession);
    response.cookie(STATE_COOKIE, stateCookie, stateCookieOptions(request));
    return { url };
  }

  @Get()
  @Public()
  @ApiAnonSession(GUEST_CHATS_MOVE)
  @ApiOperation({
    summary: 'Start Google sign-in: redirects to Google',
    description:
      'A plain link starts a sign-in that moves no guest chats; to move them, use ' +
      '`POST /api/auth/google/start`.',
  })
  @ApiFoundResponse({ description: 'Redirect to Google, with the state cookie set' })
  @ApiQuery({
    name: 'anon_session',
    required: false,
    deprecated: true,
    description:
      'Deprecated and ignored: a link is not proof of holding a guest session (anyone can ' +
      "send a link carrying theirs and have their chats land in the victim's account). Only " +
      'the X-Anon-Session header moves guest chats.',
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'anon_session or X-Anon-Session is not a UUID',
  })
  async start(
    @Query('anon_session') linkSession: unknown,
    @AnonSession() anonSession: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    // Still validated, so old frontends see a malformed value as before; never used.
    parseAnonSession(linkSession, 'anon_session');
    const { url, stateCookie } = await this.google.start(originOf(request), anonSession);
    response.cookie(STATE_COOKIE, stateCookie, stateCookieOptions(request)).redirect(url);
  }

  @Get('callback')
  @Public()
  @RateLimit('auth')
  @UseFilters(GoogleCallbackRateLimitFilter)
  @ApiOperation({
    summary: 'Google redirects here; redirects on to the frontend with the token',
    description:
      'Success: `FRONTEND_URL/auth/callback#access_token=...&token_type=bearer`, plus ' +
      '`&fresh_account=true` when an account registered with the address had never proven ' +
      'it: the user starts on a fresh account, and nothing made on that one came along. ' +
      'Every failure also redirects there, as `FRONTEND_URL/auth/callback#error=<code>`: ' +
      "`access_denied` (declined at Google; Google's other codes pass through, or " +
      '`oauth_failed`), `invalid_state` (the sign-in expired or did not start in this ' +
      'browser), `invalid_request` (no authorization code), `provider_error` (Google did ' +
      'not answer properly), `email_not_verified`, `account_conflict` (the address belongs ' +
      'to an account linked to another Google account), `account_disabled`, `rate_limited` ' +
      '(too many sign-ins from this address; `Retry-After` says when to try again).',
  })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'error', required: false })
  @ApiFoundResponse({ description: 'Redirect to the frontend, with a token or an error code' })
  async callback(
    @Query('code') code: unknown,
    @Query('state') state: unknown,
    @Query('error') error: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const stateCookie = readCookie(request, STATE_COOKIE);
    // One attempt per state, whatever its outcome.
    response.clearCookie(STATE_COOKIE, stateCookieOptions(request));
    const url = await this.google.finish({ code, state, error }, stateCookie, originOf(request));
    response.redirect(url);
  }
}
