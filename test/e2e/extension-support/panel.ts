import type { CDPSession, Page } from 'playwright-core';
import type { ExtensionBrowser } from './browser.js';
import { ChildTarget, until } from './cdp.js';

export const PANEL_PATH = 'src/extension/panel.html';
export const PANEL_TITLE = 'Session';

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
  parentId?: string;
}

/** Opens a tab from the extension (so we learn its Chrome tab id) and waits for its sessions to be ready. */
export async function openTestTab(b: ExtensionBrowser, url: string): Promise<{ page: Page; tabId: number }> {
  const worker = await b.serviceWorker();
  const [page, tabId] = await Promise.all([
    b.context.waitForEvent('page', (p) => p.url().startsWith(url.split('?')[0]!) || p.url() === 'about:blank'),
    worker.evaluate(async (u) => (await chrome.tabs.create({ url: u })).id!, url),
  ]);
  await page.waitForSelector('body[data-ready=yes]');
  return { page, tabId };
}

/** The panel page (the one DevTools shows) opened in an ordinary tab of its own, for the tab `tabId`. */
export async function openPanelPage(b: ExtensionBrowser, tabId: number): Promise<Page> {
  const p = await b.context.newPage();
  await p.goto(`chrome-extension://${b.extensionId}/${PANEL_PATH}?tabId=${tabId}`);
  return p;
}

export async function browserCdp(b: ExtensionBrowser): Promise<CDPSession> {
  const browser = b.context.browser();
  if (!browser) throw new Error('no browser handle for the persistent context');
  return browser.newBrowserCDPSession();
}

export async function targets(cdp: CDPSession): Promise<TargetInfo[]> {
  return ((await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] }).targetInfos;
}

/** Stops the extension's service worker (closes its target); Chrome starts a fresh one on the next connect. */
export async function stopServiceWorker(cdp: CDPSession, extensionId: string): Promise<void> {
  const sw = (await targets(cdp)).find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extensionId}/`));
  if (!sw) throw new Error('the extension service worker is not running');
  await cdp.send('Target.closeTarget', { targetId: sw.targetId });
}

/** Reads and drives <session-panel> inside a target (the real DevTools panel iframe). */
export class RemotePanel {
  constructor(readonly target: ChildTarget) {}

  private part(part: string): string {
    return `document.querySelector('session-panel')?.shadowRoot?.querySelector('[part~="${part}"]')`;
  }
  text(part: string): Promise<string | undefined> {
    return this.target.evaluate<string | undefined>(`${this.part(part)}?.textContent?.trim() || undefined`);
  }
  async uuid(): Promise<string | undefined> {
    const t = await this.text('uuid');
    return t?.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)?.[0];
  }
  /**
   * A real click: mouse events dispatched through CDP at the control's centre, in the panel iframe's own viewport
   * (the iframe target accepts Input events), so the browser does hit-testing, focus and the trusted click.
   */
  async click(part: string, label?: string): Promise<void> {
    // The control (by part, and by aria-label where several share the part), once enabled, at a position stable
    // across two frames and hit at its centre. A re-render can still move it between that check and the mouse
    // events (the discovery list re-sorts as the page is re-read, once a second): so a guard on the panel's window,
    // in the capture phase, lets the press and click through only when they reach this control, swallows them
    // otherwise (no other control acts on a stray click), and the click is tried again.
    const find = label === undefined ? this.part(part) : `[...(document.querySelector('session-panel')?.shadowRoot?.querySelectorAll('[part~="${part}"]') ?? [])].find((e) => e.getAttribute('aria-label') === ${JSON.stringify(label)})`;
    const what = label === undefined ? part : `${part} "${label}"`;
    await until(`${what} clicked`, async () => {
      const at = await this.target.evaluate<{ x: number; y: number } | undefined>(`(async () => {
        const b = ${find};
        if (!b || b.disabled) return undefined;
        b.scrollIntoView({ block: 'center' });
        // A frame, or false when none comes within a second (a window not drawing): then try again later.
        const frame = () => new Promise((r) => { requestAnimationFrame(() => r(true)); setTimeout(() => r(false), 1000); });
        if (!(await frame())) return undefined;
        const r1 = b.getBoundingClientRect();
        if (!(await frame())) return undefined;
        const r2 = b.getBoundingClientRect();
        if (r1.width === 0 || r1.x !== r2.x || r1.y !== r2.y) return undefined;
        const x = r2.x + r2.width / 2, y = r2.y + r2.height / 2;
        const hit = document.querySelector('session-panel').shadowRoot.elementFromPoint(x, y);
        if (!hit || (hit !== b && !b.contains(hit))) return undefined;
        const guard = { hit: false, missed: false };
        const check = (e) => {
          if (e.composedPath().includes(b)) return void (guard.hit = true);
          guard.missed = true;
          e.preventDefault();
          e.stopImmediatePropagation();
        };
        const types = ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click'];
        for (const t of types) addEventListener(t, check, true);
        window.__clickGuard = { guard, off: () => { for (const t of types) removeEventListener(t, check, true); } };
        return { x, y };
      })()`);
      if (!at) return undefined;
      let guard = { hit: false, missed: true };
      try {
        for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased'])
          await this.target.send('Input.dispatchMouseEvent', { type, x: at.x, y: at.y, button: 'left', clickCount: type === 'mouseMoved' ? 0 : 1 });
      } finally {
        guard = await this.target.evaluate<{ hit: boolean; missed: boolean }>(`(() => { const g = window.__clickGuard; g.off(); return g.guard; })()`);
      }
      return guard.hit && !guard.missed ? true : undefined;
    });
  }

  /** Types into a field for real: click it, select what is there, then insert the text (or delete the selection). */
  async fill(part: string, value: string): Promise<void> {
    await this.click(part);
    await this.target.evaluate(`${this.part(part)}.select()`);
    if (value) await this.target.send('Input.insertText', { text: value });
    else
      for (const type of ['keyDown', 'keyUp'])
        await this.target.send('Input.dispatchKeyEvent', { type, key: 'Delete', code: 'Delete', windowsVirtualKeyCode: 46 });
    const now = await this.target.evaluate<string>(`${this.part(part)}.value`);
    if (now !== value) throw new Error(`typing into ${part} left ${JSON.stringify(now)}`);
  }
  /** Text of the panel's log, filtered to one kind through the panel's own filter control. */
  async logText(kind: string): Promise<string> {
    return this.target.evaluate<string>(`(async () => {
      const root = document.querySelector('session-panel').shadowRoot;
      const select = root.querySelector('[part~="toolbar"] select[aria-label="Kind"]');
      select.value = ${JSON.stringify(kind)};
      select.dispatchEvent(new Event('change', { bubbles: true }));
      await document.querySelector('session-panel').updateComplete;
      return root.querySelector('[part~="log"]').textContent;
    })()`);
  }
  link(): Promise<{ state: string; connections: number; pending: number; dropped: number }> {
    return this.target.evaluate(
      `(() => { const l = window.__sessionPanelLink; return { state: l.state(), connections: l.connections(), pending: l.pending(), dropped: l.dropped() } })()`,
    );
  }
}

/**
 * Opens the page's real DevTools window and its Session panel (headless, via browser-level CDP), and returns the
 * panel iframe as a target to evaluate in.
 */
export async function openRealDevtoolsPanel(b: ExtensionBrowser, page: Page, cdp: CDPSession): Promise<{ panel: RemotePanel; devtools: ChildTarget }> {
  const pageCdp = await b.context.newCDPSession(page);
  const { targetInfo } = (await pageCdp.send('Target.getTargetInfo')) as { targetInfo: TargetInfo };
  await pageCdp.detach();
  // Another page's DevTools window may be open already: this page's is the one that was not there before.
  const isDevtools = (t: TargetInfo): boolean => t.type === 'page' && t.url.startsWith('devtools://');
  const before = new Set((await targets(cdp)).filter(isDevtools).map((t) => t.targetId));
  await cdp.send('Target.openDevTools' as never, { targetId: targetInfo.targetId } as never);
  const devtoolsTarget = await until('the DevTools window', async () =>
    (await targets(cdp)).find((t) => isDevtools(t) && !before.has(t.targetId)),
  20_000, // seconds on a loaded machine
  );
  const devtools = await ChildTarget.attach(cdp, devtoolsTarget.targetId);
  const panelUrl = `chrome-extension://${b.extensionId}/${PANEL_PATH}`;
  const panelTarget = await until(
    'the Session panel',
    async () => {
      // The panel registers a moment after DevTools loads: keep asking DevTools to show it until its iframe exists.
      await devtools
        .evaluate(`(() => { try { DevToolsAPI.showPanel('chrome-extension://${b.extensionId}${PANEL_TITLE}'); } catch {} })()`)
        .catch(() => undefined);
      return (await targets(cdp)).find((t) => t.url.startsWith(panelUrl) && t.parentId === devtoolsTarget.targetId);
    },
    20_000,
  );
  return { panel: new RemotePanel(await ChildTarget.attach(cdp, panelTarget.targetId)), devtools };
}

/** The page's own view of its session, read in the page (MAIN world). */
export function pageUuid(page: Page, index = 0): Promise<string> {
  return page.evaluate((i) => (window as unknown as { __sessions: { getUUID(): string }[] }).__sessions[i]!.getUUID(), index);
}

/** The seeded UUID the core would give `seed` on this page's device (the spec's algorithm, from the real core). */
export function expectedSeeded(page: Page, seed: string): Promise<string> {
  return page.evaluate((s) => {
    const w = window as unknown as { __uuidFromName(input: string): string; __session: { snapshot(): { deviceId: string } } };
    return w.__uuidFromName(w.__session.snapshot().deviceId + s);
  }, seed);
}
