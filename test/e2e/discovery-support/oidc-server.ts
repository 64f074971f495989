import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OpenID Provider (`oidc-provider` from npm) on 127.0.0.1, for the oidc-client-ts e2e test: one public
 * client (`spa`, PKCE, authorization code and refresh token), JWT access tokens for one resource, the library's own
 * dev login form, consent granted automatically. Started on an ephemeral port and stopped by the test.
 */
export const CLIENT_ID = 'spa';
export const API_RESOURCE = 'https://api.session-panel.test';

export interface OidcServer {
  readonly issuer: string;
  /** Token requests answered so far (the refresh test waits for one more). */
  tokenRequests(): number;
  close(): Promise<void>;
}

export async function startOidcServer(appOrigin: string, options: { accessTokenTtlS?: number } = {}): Promise<OidcServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ttl = options.accessTokenTtlS ?? 600;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        redirect_uris: [`${appOrigin}/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, email: `${id}@example.test` }) }),
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api:read', audience: API_RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: ttl }),
      },
    },
    ttl: { AccessToken: ttl, IdToken: ttl, RefreshToken: 3600, Session: 3600, Grant: 3600, Interaction: 600, AuthorizationCode: 60 },
    clientBasedCORS: (_ctx, origin) => origin === appOrigin,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // Consent is not what this test is about: grant what the client asks for on first sign-in.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const existing = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(CLIENT_ID);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: CLIENT_ID, accountId: ctx.oidc.session?.accountId ?? '' });
      grant.addOIDCScope('openid email');
      grant.addResourceScope(API_RESOURCE, 'api:read');
      await grant.save();
      return grant;
    },
  });
  // A quiet console: the provider warns about its development defaults (keys, cookie secrets), which is the point here.
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider error', error.message));
  let tokens = 0;
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/token') && req.method === 'POST') tokens++;
    void callback(req, res);
  });
  return {
    issuer,
    tokenRequests: () => tokens,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
