/**
 * The `npm start` demo: a session on the embedded dev backend (or on an HTTP auth server with ?auth=<baseUrl>),
 * the panel embedded beside it, and window.Synerise = { Client } so the Synerise SDK documentation's examples run in the console.
 */
import './quiet-lit.js';
import { createClientModule, createHttpBackend, createSession, type ClientModule, type Token } from '../src/core/index.js';
import '../src/embed.js';

declare global {
  interface Window {
    Synerise: { Client: ClientModule };
  }
}

const params = new URLSearchParams(location.search);
/** ?auth= only on this machine: the demo signs in with passwords, and a link must not send them to another host. */
const isLoopback = (url: string): boolean => {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
};
const requested = params.get('auth');
const auth = requested !== null && isLoopback(requested) ? requested : null;
const session = createSession({
  // Each backend signs with its own key, so a token stored by one is refused by the other: keep them apart.
  namespace: auth ? 'demo-shop-http' : 'demo-shop',
  ...(auth ? { backend: createHttpBackend({ baseUrl: auth, apiKey: params.get('apiKey') ?? 'demo-api-key' }) } : {}),
});
const Client = createClientModule(session);
if (auth) document.getElementById('backend-note')!.textContent = `the HTTP auth server at ${auth} (see the Network panel)`;
else if (requested !== null) {
  document.getElementById('backend-note')!.textContent =
    `the embedded dev backend (?auth=${requested} ignored: only an auth server on this machine, http://127.0.0.1, localhost or [::1], is used)`;
}
window.Synerise = { Client };

const output = document.getElementById('output')!;
const print = (text: string): void => {
  output.textContent = `${new Date().toLocaleTimeString()}  ${text}\n${output.textContent === 'Press Run on an example.' ? '' : output.textContent}`;
};
// Tokens are described, never printed in full.
const describe = (t: Token): string => `Token { origin: ${t.origin}, rlm: ${t.rlm}, expirationDate: ${t.expirationDate.toLocaleTimeString()} }`;
const onError = (e: { code: number; message: string }): void => print(`onError → code ${e.code}: ${e.message}`);

const examples: [string, () => void][] = [
  ['Synerise.Client.getUUID()', () => print(`getUUID() → ${Client.getUUID()}`)],
  [
    'Synerise.Client.retrieveToken(token => …, error => …)',
    () => Client.retrieveToken((t) => print(`retrieveToken → ${describe(t)}`), onError),
  ],
  [
    'Synerise.Client.refreshToken(() => …, error => …)',
    () => Client.refreshToken(() => print('refreshToken → success'), onError),
  ],
  ["Synerise.Client.regenerateUUIDWithClientIdentifier('abc')", () => {
    Client.regenerateUUIDWithClientIdentifier('abc');
    print(`regenerateUUIDWithClientIdentifier('abc') → UUID now ${Client.getUUID()}`);
  }],
  ['Synerise.Client.regenerateUUID()', () => {
    Client.regenerateUUID();
    print(`regenerateUUID() → UUID now ${Client.getUUID()}`);
  }],
  ['Synerise.Client.destroySession()', () => {
    Client.destroySession();
    print(`destroySession() → UUID now ${Client.getUUID()}`);
  }],
];

const list = document.getElementById('examples')!;
for (const [code, run] of examples) {
  const row = document.createElement('div');
  row.className = 'example';
  const c = document.createElement('code');
  c.textContent = code;
  const button = document.createElement('button');
  button.textContent = 'Run';
  button.setAttribute('aria-label', `Run ${code}`);
  button.addEventListener('click', run);
  row.append(c, button);
  list.append(row);
}

const panel = document.querySelector('session-panel')!;
const theme = document.getElementById('theme') as HTMLSelectElement;
theme.addEventListener('change', () => {
  panel.theme = theme.value as 'light' | 'dark' | 'auto';
  document.documentElement.dataset.theme = theme.value;
});
