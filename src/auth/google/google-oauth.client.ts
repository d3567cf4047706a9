import { BadGatewayException, Injectable, Logger } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '../../config/app-config.js';

export interface GoogleProfile {
  sub: string;
  email: string;
  emailVerified: boolean;
  name?: string;
  locale?: string;
}

const TIMEOUT_MS = 10_000;

/**
 * The OAuth 2.0 authorization-code flow against Google, with plain fetch. Not
 * passport-google-oauth20: it hard-codes Google's endpoints, and ours come from configuration
 * so tests (and staging) can point them at a fake server.
 */
@Injectable()
export class GoogleOAuthClient {
  private readonly logger = new Logger(GoogleOAuthClient.name);

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  get configured(): boolean {
    return Boolean(this.config.google.clientId && this.config.google.clientSecret);
  }

  authorizationUrl(state: string, redirectUri: string): string {
    const url = new URL(this.config.google.authUrl);
    url.search = new URLSearchParams({
      client_id: this.config.google.clientId ?? '',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email profile',
      state,
      prompt: 'select_account',
    }).toString();
    return url.toString();
  }

  /** Exchanges the code for an access token, then reads the profile with it. */
  async fetchProfile(code: string, redirectUri: string): Promise<GoogleProfile> {
    const { google } = this.config;
    const token = await this.call<{ access_token?: unknown }>('token', google.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: google.clientId ?? '',
        client_secret: google.clientSecret ?? '',
      }),
    });
    if (typeof token.access_token !== 'string') this.fail('token', 'no access_token');
    const info = await this.call<Record<string, unknown>>('userinfo', google.userInfoUrl, {
      headers: { Authorization: `Bearer ${token.access_token}` },
    });
    if (typeof info.sub !== 'string' || !info.sub || typeof info.email !== 'string') {
      this.fail('userinfo', 'no sub or email');
    }
    return {
      sub: info.sub,
      email: info.email,
      emailVerified: info.email_verified === true,
      name: typeof info.name === 'string' ? info.name : undefined,
      locale: typeof info.locale === 'string' ? info.locale : undefined,
    };
  }

  private async call<T>(
    step: string,
    url: string,
    init: { method?: string; headers: Record<string, string>; body?: URLSearchParams },
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { Accept: 'application/json', ...init.headers },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      this.fail(step, (error as Error).message);
    }
    if (!response.ok) this.fail(step, `HTTP ${response.status}`);
    try {
      return (await response.json()) as T;
    } catch {
      this.fail(step, 'response is not JSON');
    }
  }

  private fail(step: string, detail: string): never {
    this.logger.warn(`Google ${step} request failed: ${detail}`);
    throw new BadGatewayException('Google sign-in failed, please try again');
  }
}
