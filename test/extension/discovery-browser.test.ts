// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { discoveryApis } from '../../src/extension/browser.js';
import { browserDiscovery } from '../../src/extension/discovery/browser-discovery.js';
import { createDiscoveryService } from '../../src/extension/discovery/background-discovery.js';
import { relayedDiscovery, type RelayedDiscovery } from '../../src/extension/discovery/relayed-discovery.js';
import { PanelDiscovery } from '../../src/extension/discovery/panel-discovery.js';
import { DISCOVERY_LIMITS, parseAnswerValue } from '../../src/protocol/discovery.js';
import { MemoryRuntime } from '../../src/transport/memory-port.js';
import { asTabId } from '../../src/protocol/messages.js';

/**
 * browser.ts's discovery helpers, which both paths use: Chrome's panel calls them itself (browser-discovery.ts), and
 * Firefox's background answers the panel with them (background-discovery.ts ⇄ relayed-discovery.ts). The extension
 * namespace is a fake holding only what these call (executeScript runs the function here, against this happy-dom
 * page, as the browser runs it in the tab); everything above it is the real code.
 */
const ext = vi.hoisted(() => ({
  frames: [] as { frameId: number; parentFrameId: number; url: string }[],
  /** What executeScript hands back for a frame, in place of running the function (a child frame's own reading). */
  frameResult: new Map<number, unknown>(),
  scriptError: null as unknown,
  executed: [] as string[],
  /** The cookies namespace, present once the optional permission is granted. */
  cookies: undefined as undefined | { getAll(o: { url: string }): Promise<unknown[]>; remove(o: { url: string; name: string }): Promise<unknown>; onChanged: { addListener(l: () => void): void; removeListener(l: () => void): void } },
  cookieAsks: [] as string[],
}));
vi.mock('webextension-polyfill', () => ({
  default: {
    get cookies() {
      return ext.cookies;
    },
    runtime: { id: 'ext', getManifest: () => ({}), getURL: (p: string) => `chrome-extension://ext/${p}` },
    scripting: {
      async executeScript(o: { target: { tabId: number; frameIds: number[] }; world: string; func: (...a: unknown[]) => unknown; args: unknown[] }) {
        const frameId = o.target.frameIds[0]!;
        ext.executed.push(`${o.target.tabId}/${frameId}/${o.world}/${o.func.name}`);
        if (ext.scriptError !== null) return [{ frameId, error: ext.scriptError }];
        if (ext.frameResult.has(frameId)) return [{ frameId, result: ext.frameResult.get(frameId) }];
        return [{ frameId, result: await o.func(...structuredClone(o.args)) }];
      },
    },
    webNavigation: { getAllFrames: async () => ext.frames.map((f) => ({ ...f, errorOccurred: false, processId: 1 })) },
    permissions: { contains: async () => ext.cookies !== undefined, request: async () => true },
    tabs: { get: async () => ({ url: location.href }) },
  },
}));

const TAB = 5;
const b64 = (v: unknown): string => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (claims: Record<string, unknown>): string => `${b64({ alg: 'ES256' })}.${b64(claims)}.c2ln`;
const until = async (what: string, ok: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
/** A child frame's reading, as its own page reader would return it. */
const frameReading = (origin: string, key: string, value: string) => ({
  full: true,
  at: Date.now(),
  url: `${origin}/`,
  origin,
  cookies: '',
  localStorage: { changed: [[key, value]], removed: [], size: 1 },
  sessionStorage: null,
  indexedDB: null,
  problems: [],
});

beforeEach(() => {
  ext.frames = [];
  ext.frameResult.clear();
  ext.scriptError = null;
  ext.executed = [];
  ext.cookies = undefined;
  ext.cookieAsks = [];
});
afterEach(() => {
  localStorage.clear();
  delete (globalThis as { __sessionPanelSeen?: unknown }).__sessionPanelSeen;
});

/** Firefox's path: the panel's relay ⇄ an in-memory runtime ⇄ the background's service on browser.ts's apis. */
function throughBackground(): RelayedDiscovery {
  const service = createDiscoveryService({ extensionId: 'ext', extensionOrigin: 'chrome-extension://ext/', apis: discoveryApis, grantPagePath: () => 'x' });
  const runtime = new MemoryRuntime(() => (port) => void service.onConnect(port));
  return relayedDiscovery({
    tabId: asTabId(TAB)!,
    connect: (name) => runtime.connect(name, { id: 'ext', url: 'chrome-extension://ext/src/extension/panel.html' }),
    base: { network: null, visible: () => true, onVisible: () => () => {} },
    askCookiePermission: null,
    timeoutMs: 2000,
  });
}

describe('the frame list: the same on both paths, and fit for the wire', () => {
  const long = 'q'.repeat(9000);
  const listed = () => [
    { frameId: 0, parentFrameId: -1, url: `https://app.example/callback#access_token=${long}` },
    { frameId: 3, parentFrameId: 0, url: `https://ads.example/slot?campaign=${long}#k=${long}` },
    { frameId: 4, parentFrameId: 0, url: `https://deep.example/${'p'.repeat(9000)}` },
    { frameId: 5, parentFrameId: 0, url: 'https://widget.example/frame?x=1' },
    ...Array.from({ length: 1100 }, (_, i) => ({ frameId: 10 + i, parentFrameId: 0, url: 'about:blank' })),
  ];

  it('no query or fragment (tokens ride there), an address still over the limit left out, at most the wire’s bound of frames', async () => {
    ext.frames = listed();
    const direct = await browserDiscovery(TAB).frames!();
    const background = await throughBackground().frames!();
    expect(background).toEqual(direct);
    expect(direct.slice(0, 3)).toEqual([
      { frameId: 0, parentFrameId: -1, url: 'https://app.example/callback' },
      { frameId: 3, parentFrameId: 0, url: 'https://ads.example/slot' },
      { frameId: 5, parentFrameId: 0, url: 'https://widget.example/frame' },
    ]);
    expect(direct).toHaveLength(DISCOVERY_LIMITS.frames);
    expect(parseAnswerValue('frames', direct), 'what the panel checks the background’s answer with').toEqual(direct);
  });

  it('Firefox’s path: with one frame address over 8 KB and over a thousand frames, the other frames are still read', async () => {
    ext.frames = listed();
    ext.frameResult.set(3, frameReading('https://ads.example', 'ad.jwt', jwt({ sub: 'ad', exp: 4e9 })));
    ext.frameResult.set(5, frameReading('https://widget.example', 'widget.jwt', jwt({ sub: 'widget', exp: 4e9 })));
    localStorage.setItem('auth.token', jwt({ sub: 'top', exp: 4e9 }));
    const relay = throughBackground();
    const discovery = new PanelDiscovery(relay);
    discovery.start();
    try {
      await until('the top page’s token and both frames’ tokens', () => discovery.store.size === 3);
      expect([...discovery.store.frames()].sort()).toEqual(['https://ads.example', 'https://widget.example']);
      expect(relay.dropped.byReason.get('answer-schema') ?? 0).toBe(0);
    } finally {
      discovery.stop();
    }
  });
});

describe('running the page reader in a frame: one helper, one wording of its errors', () => {
  it('an executeScript error reads the same on Chrome’s direct path and through Firefox’s background', async () => {
    ext.scriptError = new Error('No frame with id 3');
    const direct = browserDiscovery(TAB);
    await expect(direct.readFrame!(3, true, false)).rejects.toThrow(/^No frame with id 3$/);
    await expect(discoveryApis.run(TAB, 3, 'ISOLATED', () => 1, [])).rejects.toThrow(/^No frame with id 3$/);
    ext.scriptError = 'Missing host permission for the tab';
    await expect(direct.readPage(true, false)).rejects.toThrow(/^Missing host permission for the tab$/);
    await expect(discoveryApis.run(TAB, 0, 'ISOLATED', () => 1, [])).rejects.toThrow(/^Missing host permission for the tab$/);
  });

  it('runs the reader in the frame asked for, in the world asked for, and returns its result', async () => {
    localStorage.setItem('k', 'v');
    const direct = browserDiscovery(TAB);
    expect((await direct.readFrame!(7, true, false)).localStorage?.changed).toEqual([['k', 'v']]);
    expect(await direct.syneriseGlobals()).toEqual([false, false]);
    expect(ext.executed).toEqual([`${TAB}/7/ISOLATED/readPage`, `${TAB}/0/MAIN/syneriseGlobals`]);
  });
});

describe('the cookies API: the same calls on both paths', () => {
  it('lists and removes through the same calls, and says the same when the API is not there', async () => {
    const direct = browserDiscovery(TAB).cookies!;
    const relayed = throughBackground().cookies!;
    const missing = 'the cookies API is not available: the permission is not granted (yet)';
    expect([await direct.granted(), await relayed.granted()]).toEqual([false, false]);
    await expect(direct.getAll(location.href)).rejects.toThrow(missing);
    await expect(relayed.getAll(location.href)).rejects.toThrow(missing);
    ext.cookies = {
      getAll: async ({ url }) => (ext.cookieAsks.push(`getAll ${url}`), [{ name: 'sid', value: 'v', httpOnly: true, domain: 'localhost', path: '/' }]),
      remove: async ({ url, name }) => (ext.cookieAsks.push(`remove ${url} ${name}`), { url, name }),
      onChanged: { addListener: () => {}, removeListener: () => {} },
    };
    expect([await direct.granted(), await relayed.granted()]).toEqual([true, true]);
    expect(await direct.getAll(location.href)).toEqual([{ name: 'sid', value: 'v', httpOnly: true }]);
    expect(await relayed.getAll(location.href)).toEqual([{ name: 'sid', value: 'v', httpOnly: true }]);
    expect([await direct.remove(location.href, 'sid'), await relayed.remove(location.href, 'sid')]).toEqual([true, true]);
    expect(ext.cookieAsks).toEqual([`getAll ${location.href}`, `getAll ${location.href}`, `remove ${location.href} sid`, `remove ${location.href} sid`]);
  });
});
