import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiFoundResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { CookieOptions, Request, Response } from 'express';
import { Public } from '../../common/auth/access.decorators.js';
import { parseAnonSession } from '../../common/auth/anon-session.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import { RateLimit } from '../rate-limit/rate-limits.js';
import { GoogleAuthService } from './google-auth.service.js';

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

@ApiTags('auth')
@ApiServiceUnavailableResponse({
  type: ErrorResponseDto,
  description: 'Google sign-in is not configured',
})
@Controller('auth/google')
export class GoogleAuthController {
  constructor(private readonly google: GoogleAuthService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Start Google sign-in: redirects to Google' })
  @ApiFoundResponse({ description: 'Redirect to Google, with the state cookie set' })
  @ApiQuery({
    name: 'anon_session',
    required: false,
    description: "The browser's guest session (a UUID): its guest chats move to the account",
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'anon_session is not a UUID' })
  start(
    @Query('anon_session') anonSession: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): void {
    const { url, stateCookie } = this.google.start(
      originOf(request),
      parseAnonSession(anonSession, 'anon_session'),
    );
    response.cookie(STATE_COOKIE, stateCookie, stateCookieOptions(request)).redirect(url);
  }

  @Get('callback')
  @Public()
  @RateLimit('auth')
  @ApiOperation({
    summary: 'Google redirects here; redirects on to the frontend with the token',
    description:
      'Success: `FRONTEND_URL/auth/callback#access_token=...&token_type=bearer`. ' +
      'Declined at Google: `FRONTEND_URL/auth/callback#error=access_denied`.',
  })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'error', required: false })
  @ApiFoundResponse({ description: 'Redirect to the frontend' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'State missing or not this browser',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Google email not verified' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Email linked to another Google account',
  })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: 'Google did not answer properly' })
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
