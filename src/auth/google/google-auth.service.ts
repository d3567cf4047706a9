import {
  ForbiddenException,
  Injectable,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignInEvents } from '../../common/events/sign-in.events.js';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '../../common/languages.js';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';
import { AuthTokenService } from '../auth-token.service.js';
import { stripControlCharacters } from '../../common/validation/text-field.js';
import { DISPLAY_NAME_MAX_LENGTH, normalizeEmail } from '../dto/fields.js';
import { type ProvenAccount, UsersService } from '../users.service.js';
import { GoogleOAuthStrategy, type GoogleProfile } from './google-oauth.strategy.js';

/**
 * The machine code a failed sign-in sends the frontend (`#error=<code>`): Google's own
 * (`access_denied`, or `oauth_failed` for one we do not pass on), or one of these.
 */
export type GoogleSignInErrorCode =
  | 'invalid_state'
  | 'invalid_request'
  | 'provider_error'
  | 'email_not_verified'
  | 'account_conflict'
  | 'account_disabled';

/** A refused sign-in: the browser goes back to the frontend with `code`, `reason` is logged. */
class GoogleSignInFailure extends Error {
  constructor(
    readonly code: GoogleSignInErrorCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface GoogleCallbackQuery {
  code?: unknown;
  state?: unknown;
  error?: unknown;
}

/**
 * Google sign-in. The `state` sent to Google is random; the browser keeps only its HMAC in an
 * httpOnly cookie, so a callback is accepted only in the browser that started the flow (no
 * login CSRF) and a cookie planted by someone else cannot match a state they chose. Every
 * failure of the callback sends the browser back to the frontend with a machine code, since
 * a JSON page on the API's origin would strand the user there.
 */
@Injectable()
export class GoogleAuthService {
  private readonly logger = new Logger(GoogleAuthService.name);

  constructor(
    private readonly google: GoogleOAuthStrategy,
    private readonly users: UsersService,
    private readonly tokens: AuthTokenService,
    @InjectConfig() private readonly config: AppConfig,
    private readonly signIns: SignInEvents,
  ) {}

  /**
   * Where to send the browser, and the value of the state cookie to set on it. A guest
   * session rides along in the cookie (bound into its HMAC), since Google's redirect back
   * carries no headers of ours.
   */
  async start(origin: string, anonSession?: string): Promise<{ url: string; stateCookie: string }> {
    this.requireConfigured();
    const state = randomBytes(32).toString('base64url');
    const digest = this.stateDigest(state, anonSession);
    return {
      url: await this.google.authorizationUrl(state, this.redirectUri(origin)),
      stateCookie: anonSession ? `${digest}.${anonSession}` : digest,
    };
  }

  /**
   * Signs the user in and returns the frontend URL that carries the token in its fragment,
   * or, when the sign-in fails, `#error=<code>` (GoogleSignInErrorCode).
   */
  async finish(
    query: GoogleCallbackQuery,
    stateCookie: string | undefined,
    origin: string,
  ): Promise<string> {
    this.requireConfigured();
    const callback = `${this.config.frontendUrl}/auth/callback`;
    if (typeof query.error === 'string') {
      // The user declined, or Google refused: the frontend shows it (`access_denied` etc.).
      const code = /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'oauth_failed';
      return `${callback}#error=${code}`;
    }
    try {
      const { token, fresh } = await this.signIn(query, stateCookie, origin);
      // fresh_account: the address had an account that never proved it; it was left behind.
      return (
        `${callback}#access_token=${encodeURIComponent(token)}&token_type=bearer` +
        (fresh ? '&fresh_account=true' : '')
      );
    } catch (error) {
      if (!(error instanceof GoogleSignInFailure)) throw error;
      const line = `Google sign-in refused (${error.code}): ${error.reason}`;
      if (error.code === 'provider_error') this.logger.warn(line);
      else this.logger.log(line);
      return `${callback}#error=${error.code}`;
    }
  }

  private async signIn(
    query: GoogleCallbackQuery,
    stateCookie: string | undefined,
    origin: string,
  ): Promise<{ token: string; fresh: boolean }> {
    const [digest, anonSession] = (stateCookie ?? '').split('.', 2);
    // Checked before the strategy runs, so a forged callback never reaches Google.
    if (!this.stateMatches(query.state, digest, anonSession)) {
      throw new GoogleSignInFailure(
        'invalid_state',
        'the sign-in request expired or did not start in this browser',
      );
    }
    if (typeof query.code !== 'string' || !query.code || query.code.length > 2048) {
      throw new GoogleSignInFailure('invalid_request', 'Google sent no authorization code');
    }
    const outcome = await this.google.exchange(query.code, this.redirectUri(origin));
    if (outcome.kind !== 'success') {
      const detail =
        outcome.kind === 'error' ? describeOAuthError(outcome.error) : `strategy ${outcome.kind}`;
      throw new GoogleSignInFailure('provider_error', detail);
    }
    const account = await this.findOrCreateUser(outcome.profile);
    const user = await this.users.syncAdminRole(account.user);
    let token: string;
    try {
      ({ access_token: token } = await this.tokens.issue(user));
    } catch (error) {
      // issue() is where every sign-in refuses a disabled account.
      if (error instanceof ForbiddenException) {
        throw new GoogleSignInFailure('account_disabled', `account ${user.id} is disabled`);
      }
      throw error;
    }
    await this.signIns.emit({ userId: user.id, anonSession });
    return { token, fresh: account.fresh };
  }

  /**
   * The account already linked to this Google identity; else the account with the same email,
   * but only when Google verified the address (otherwise anyone could take over an account by
   * naming its email): linked as it is when it had proven the address, else left behind with
   * all that was made on it (someone may have registered the owner's address first) while the
   * owner starts on a fresh account (UsersService.linkOAuth); else a new account.
   */
  private async findOrCreateUser(profile: GoogleProfile): Promise<ProvenAccount> {
    const linked = await this.users.findByOAuth('google', profile.sub);
    if (linked) return { user: linked, fresh: false };
    if (!profile.emailVerified) {
      throw new GoogleSignInFailure('email_not_verified', `Google account ${profile.sub}`);
    }
    const email = String(normalizeEmail(profile.email));
    const fields = {
      displayName: this.displayName(profile.name),
      preferredLanguage: this.language(profile.locale),
    };
    const existing = await this.users.findByEmail(email);
    if (existing) {
      const proven = await this.users.linkOAuth(existing, 'google', profile.sub, fields);
      if (!proven) {
        throw new GoogleSignInFailure(
          'account_conflict',
          `the address belongs to an account linked to another Google account than ${profile.sub}`,
        );
      }
      return proven;
    }
    const created = await this.users.create({
      email,
      passwordHash: null,
      ...fields,
      oauthProvider: 'google',
      oauthId: profile.sub,
      emailVerified: true,
    });
    if (!created) {
      throw new GoogleSignInFailure('account_conflict', 'the account was created meanwhile');
    }
    return { user: created, fresh: false };
  }

  private requireConfigured(): void {
    if (!this.google.configured) {
      throw new ServiceUnavailableException('Google sign-in is not configured');
    }
  }

  private redirectUri(origin: string): string {
    return this.config.google.callbackUrl ?? `${origin}/api/auth/google/callback`;
  }

  private stateDigest(state: string, anonSession?: string): string {
    return createHmac('sha256', this.config.auth.jwtSecret)
      .update(`google-oauth-state:${state}${anonSession ? `:${anonSession}` : ''}`)
      .digest('base64url');
  }

  private stateMatches(state: unknown, cookie: string, anonSession?: string): boolean {
    if (typeof state !== 'string' || !cookie || state.length > 256) return false;
    const expected = Buffer.from(this.stateDigest(state, anonSession));
    const actual = Buffer.from(cookie);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  private displayName(name: string | undefined): string | null {
    if (!name) return null;
    return stripControlCharacters(name).trim().slice(0, DISPLAY_NAME_MAX_LENGTH) || null;
  }

  private language(locale: string | undefined): Language {
    const language = locale?.slice(0, 2).toLowerCase();
    return isLanguage(language) ? language : DEFAULT_LANGUAGE;
  }
}

/** The strategy's error, for the log: passport-oauth2 wraps the HTTP status in `oauthError`. */
function describeOAuthError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { oauthError?: unknown }).oauthError;
  if (cause instanceof Error) return `${error.message}: ${cause.message}`;
  const status = (cause as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? `${error.message}: HTTP ${status}` : error.message;
}
