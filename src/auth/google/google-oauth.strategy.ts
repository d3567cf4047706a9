import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import { Strategy, type Profile } from 'passport-google-oauth20';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';

export interface GoogleProfile {
  sub: string;
  email: string;
  emailVerified: boolean;
  name?: string;
  locale?: string;
}

/** What one run of the strategy ended with (passport's success / fail / redirect / error). */
export type StrategyOutcome =
  | { kind: 'success'; profile: GoogleProfile }
  | { kind: 'redirect'; url: string }
  | { kind: 'fail' }
  | { kind: 'error'; error: unknown };

/** The action functions passport gives a strategy for one request (passport-strategy). */
interface StrategyActions {
  success(user: unknown): void;
  fail(): void;
  redirect(url: string): void;
  error(error: unknown): void;
  pass(): void;
  authenticate(request: never, options: object): void;
}

/** A Google request silent this long is abandoned (the `oauth` library sets no timeout). */
const IDLE_TIMEOUT_MS = 10_000;

/** Thrown from validate(): Google answered, but without the fields we rely on. */
export class GoogleProfileError extends Error {}

/**
 * passport-google-oauth20, with every endpoint from configuration (GOOGLE_AUTH_URL,
 * GOOGLE_TOKEN_URL, GOOGLE_USERINFO_URL) so tests and staging point it at a fake server.
 * It builds the authorization URL, exchanges the code and fetches the profile; the `state`
 * is ours (GoogleAuthService): passport's state stores live in an express-session, which
 * this API does not have, and ours is an HMAC cookie that also binds the guest session and
 * must serve `POST /api/auth/google/start`, which answers the URL as JSON. So the state is
 * given to the strategy explicitly at the start, and checked before the strategy runs on the
 * callback (its default store then accepts any).
 */
@Injectable()
export class GoogleOAuthStrategy extends PassportStrategy(Strategy, 'google') {
  readonly configured: boolean;

  constructor(@InjectConfig() config: AppConfig) {
    const { google } = config;
    super({
      // The strategy refuses to exist without a client id; unconfigured, it is never run.
      clientID: google.clientId ?? 'unconfigured',
      clientSecret: google.clientSecret ?? '',
      authorizationURL: google.authUrl,
      tokenURL: google.tokenUrl,
      userProfileURL: google.userInfoUrl,
      scope: ['openid', 'email', 'profile'],
    });
    this.configured = Boolean(google.clientId && google.clientSecret);
    // The access token goes in a header, never in a URL that logs and proxies keep.
    this._oauth2.useAuthorizationHeaderforGET(true);
    const agent = idleTimeoutAgent(google.tokenUrl, google.userInfoUrl);
    if (agent) this._oauth2.setAgent(agent);
  }

  /** passport's verify callback: the profile, read strictly from Google's own JSON. */
  validate(_accessToken: string, _refreshToken: string, profile: Profile): GoogleProfile {
    const info = (profile._json ?? {}) as Record<string, unknown>;
    if (typeof info.sub !== 'string' || !info.sub || typeof info.email !== 'string') {
      throw new GoogleProfileError('userinfo has no sub or email');
    }
    return {
      sub: info.sub,
      email: info.email,
      emailVerified: info.email_verified === true,
      name: typeof info.name === 'string' ? info.name : undefined,
      locale: typeof info.locale === 'string' ? info.locale : undefined,
    };
  }

  /** Google's consent page for this state, coming back to `redirectUri`. */
  async authorizationUrl(state: string, redirectUri: string): Promise<string> {
    const outcome = await this.run({ query: {} }, { state, callbackURL: redirectUri });
    if (outcome.kind !== 'redirect') throw new Error(`Google strategy ended with ${outcome.kind}`);
    return outcome.url;
  }

  /** Exchanges the code for a token and reads the profile with it (state already checked). */
  exchange(code: string, redirectUri: string): Promise<StrategyOutcome> {
    return this.run({ query: { code } }, { callbackURL: redirectUri });
  }

  /**
   * One run of the strategy, as passport.authenticate does it: a copy of the strategy with
   * the action functions bound to a promise. Not through passport's middleware, which would
   * write the redirect to the response itself, where `POST /start` answers it as JSON.
   */
  private run(
    request: { query: Record<string, string> },
    options: object,
  ): Promise<StrategyOutcome> {
    return new Promise((resolve) => {
      const attempt = Object.create(this) as StrategyActions;
      // validate() is the strategy's only verify callback, so the user is its GoogleProfile.
      attempt.success = (user) => resolve({ kind: 'success', profile: user as GoogleProfile });
      attempt.fail = () => resolve({ kind: 'fail' });
      attempt.redirect = (url) => resolve({ kind: 'redirect', url });
      attempt.error = (error) => resolve({ kind: 'error', error });
      attempt.pass = () => resolve({ kind: 'error', error: new Error('strategy passed') });
      attempt.authenticate(request as never, {
        session: false,
        prompt: 'select_account',
        ...options,
      });
    });
  }
}

/**
 * An agent whose sockets are destroyed after IDLE_TIMEOUT_MS of silence, so a hung Google
 * fails the sign-in instead of holding it. The `oauth` library uses one agent for both
 * endpoints, so only when both speak the same protocol (always, in practice).
 */
function idleTimeoutAgent(tokenUrl: string, userInfoUrl: string): HttpAgent | undefined {
  const protocol = new URL(tokenUrl).protocol;
  if (new URL(userInfoUrl).protocol !== protocol) return undefined;
  const agent =
    protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true })
      : new HttpAgent({ keepAlive: true });
  const create = agent.createConnection.bind(agent) as (...args: unknown[]) => Socket;
  agent.createConnection = ((...args: unknown[]) => {
    const socket = create(...args);
    socket?.setTimeout(IDLE_TIMEOUT_MS, () =>
      socket.destroy(new Error(`no answer within ${IDLE_TIMEOUT_MS / 1000} s`)),
    );
    return socket;
  }) as typeof agent.createConnection;
  return agent;
}
