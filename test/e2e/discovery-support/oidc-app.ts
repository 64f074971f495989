/**
 * The oidc-client-ts test app (bundled by site.ts): the library's own UserManager, as an app would use it, against
 * the real oidc-provider. Users stay in sessionStorage (the library's default store, `oidc.user:<authority>:<client>`).
 * The test drives it through window.__oidc.
 */
import { UserManager } from 'oidc-client-ts';

declare global {
  interface Window {
    __oidcConfig: { authority: string; clientId: string };
    __oidc: UserManager;
  }
}

const { authority, clientId } = window.__oidcConfig;
const manager = new UserManager({
  authority,
  client_id: clientId,
  redirect_uri: `${location.origin}/callback`,
  response_type: 'code',
  scope: 'openid email',
  automaticSilentRenew: false,
  loadUserInfo: false,
});
window.__oidc = manager;

async function start(): Promise<void> {
  if (location.pathname === '/callback') {
    await manager.signinRedirectCallback();
    history.replaceState(null, '', '/');
  }
  const user = await manager.getUser();
  document.body.dataset.signedIn = user ? 'yes' : 'no';
  document.querySelector('#who')!.textContent = user ? `signed in as ${user.profile.sub}` : 'signed out';
  document.body.dataset.ready = 'yes';
}
void start();
