/**
 * Fake Google OAuth server for e2e tests: a real HTTP server on 127.0.0.1 (random port) with
 * the consent, token and userinfo endpoints the app's Google sign-in calls.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_GOOGLE_CLIENT = { id: 'fake-client-id', secret: 'fake-client-secret' };

export interface FakeGoogleProfile {
  sub: string;
  email: string;
  email_verified?: boolean;
  name?: string;
  locale?: string;
}

export interface FakeGoogle {
  readonly url: string;
  /** GOOGLE_* variables pointing the app at this server. */
  readonly env: Record<string, string>;
  /** The Google account that "consents" at the next visit of the consent page. */
  profile: FakeGoogleProfile;
  /** Token endpoint requests, parsed form bodies. */
  readonly tokenRequests: Array<Record<string, string>>;
  /** Answers the token endpoint with this status once, e.g. 500. */
  failNextToken(status: number): void;
  close(): Promise<void>;
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const codes = new Map<string, FakeGoogleProfile>();
  const accessTokens = new Map<string, FakeGoogleProfile>();
  const tokenRequests: Array<Record<string, string>> = [];
  let tokenFailure: number | undefined;
  const fake = {
    url: '',
    env: {} as Record<string, string>,
    profile: { sub: 'google-1', email: 'someone@gmail.com', email_verified: true },
    tokenRequests,
    failNextToken(status: number) {
      tokenFailure = status;
    },
    close: async (): Promise<void> => undefined,
  } satisfies FakeGoogle;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', fake.url);
    if (req.method === 'GET' && url.pathname === '/auth') {
      // The user picks an account and consents: back to the app with a code and the state.
      if (url.searchParams.get('client_id') !== FAKE_GOOGLE_CLIENT.id) {
        return json(res, 400, { error: 'invalid_client' });
      }
      const code = randomBytes(12).toString('hex');
      codes.set(code, fake.profile);
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { Location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = Object.fromEntries(new URLSearchParams(raw));
      tokenRequests.push(form);
      if (tokenFailure) {
        const status = tokenFailure;
        tokenFailure = undefined;
        return json(res, status, { error: 'server_error' });
      }
      const profile = codes.get(form.code);
      codes.delete(form.code);
      const validClient =
        form.client_id === FAKE_GOOGLE_CLIENT.id &&
        form.client_secret === FAKE_GOOGLE_CLIENT.secret &&
        form.grant_type === 'authorization_code';
      if (!profile || !validClient) return json(res, 400, { error: 'invalid_grant' });
      const accessToken = randomBytes(16).toString('hex');
      accessTokens.set(accessToken, profile);
      return json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3599 });
    }
    if (req.method === 'GET' && url.pathname === '/userinfo') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const profile = token && accessTokens.get(token);
      if (!profile) return json(res, 401, { error: 'invalid_token' });
      return json(res, 200, profile);
    }
    json(res, 404, { error: 'not_found' });
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.env = {
    GOOGLE_CLIENT_ID: FAKE_GOOGLE_CLIENT.id,
    GOOGLE_CLIENT_SECRET: FAKE_GOOGLE_CLIENT.secret,
    GOOGLE_AUTH_URL: `${fake.url}/auth`,
    GOOGLE_TOKEN_URL: `${fake.url}/token`,
    GOOGLE_USERINFO_URL: `${fake.url}/userinfo`,
  };
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
