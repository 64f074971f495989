import { until, type FirefoxWithAddon } from './firefox.js';

/**
 * The Session tool inside a real Firefox toolbox. The panel document is not a WebDriver BiDi target, but the browser
 * window is (firefox.ts `chrome`): from there the toolbox of the tab showing `pageUrl` selects our tool for real
 * (toolbox.selectTool, as a click on its tab does), and code runs in the panel document through a frame script
 * loaded into the panel's own <browser> (message manager), which reads the page through Xray wrappers and sends the
 * JSON-able result back. So the toolbox's own panel, with its DevTools-only API set, is what is tested here.
 */
export interface ToolboxPanel {
  /**
   * Runs `body` (an async function body; `content` is the panel window, `doc` its document, `panel` the
   * <session-panel> element's shadow root) in the toolbox's Session panel and returns its JSON-able result.
   */
  run<T>(body: string): Promise<T>;
  /** Selects another tool of the same toolbox (e.g. 'netmonitor'), then `select()` comes back. */
  selectTool(id: string): Promise<void>;
  select(): Promise<void>;
}

const findToolbox = (pageUrl: string, title: string): string => `
  const { require } = ChromeUtils.importESModule("resource://devtools/shared/loader/Loader.sys.mjs");
  const { gDevTools } = require("devtools/client/framework/devtools");
  let tab = null;
  for (const win of Services.wm.getEnumerator("navigator:browser"))
    for (const t of win.gBrowser.tabs) if (t.linkedBrowser?.currentURI?.spec === ${JSON.stringify(pageUrl)}) tab = t;
  if (!tab) return undefined;
  // -devtools opens a toolbox for the first tab only: open this tab's as F12 would.
  const toolbox = gDevTools.getToolboxForTab?.(tab) ?? (await gDevTools.showToolboxForTab(tab));
  const tool = toolbox?.getAdditionalTools().find((t) => t.label === ${JSON.stringify(title)});
  if (!tool) return undefined;`;

export async function sessionTool(ff: FirefoxWithAddon, pageUrl: string, title: string): Promise<ToolboxPanel> {
  const select = async (): Promise<void> => {
    await until('the Session tool selected in the page’s toolbox', () =>
      ff.chrome<boolean | null>(`(async () => {${findToolbox(pageUrl, title)}
        await toolbox.selectTool(tool.id);
        const frame = toolbox.doc.getElementById('toolbox-panel-iframe-' + tool.id);
        const b = frame?.contentDocument?.querySelector('browser');
        return b && b.currentURI?.spec.endsWith('/panel.html') ? true : null;
      })()`).then((v) => v ?? undefined).catch(() => undefined),
    60_000);
  };
  await select();
  let calls = 0;
  return {
    select,
    async selectTool(id) {
      await ff.chrome<boolean>(`(async () => {${findToolbox(pageUrl, title)}
        await toolbox.selectTool(${JSON.stringify(id)});
        return true;
      })()`);
    },
    async run<T>(body: string): Promise<T> {
      const name = `session-panel-e2e:${++calls}`;
      const script = `(async () => {
          const doc = content.document;
          const panel = doc.querySelector('session-panel')?.shadowRoot ?? null;
          ${body}
        })().then((v) => sendAsyncMessage(${JSON.stringify(name)}, { ok: JSON.stringify(v) }), (e) => sendAsyncMessage(${JSON.stringify(name)}, { error: String(e) }));`;
      const reply = await ff.chrome<{ ok?: string; error?: string } | null>(`(async () => {${findToolbox(pageUrl, title)}
        const frame = toolbox.doc.getElementById('toolbox-panel-iframe-' + tool.id);
        const b = frame?.contentDocument?.querySelector('browser');
        if (!b) return null;
        return await new Promise((resolve) => {
          const mm = b.messageManager;
          const listener = (m) => { mm.removeMessageListener(${JSON.stringify(name)}, listener); resolve(m.data); };
          mm.addMessageListener(${JSON.stringify(name)}, listener);
          setTimeout(() => resolve({ error: 'the panel did not answer' }), 10000);
          mm.loadFrameScript('data:,' + encodeURIComponent(${JSON.stringify(script)}), false);
        });
      })()`);
      if (!reply) throw new Error('no toolbox panel for the page');
      if (reply.error !== undefined) throw new Error(`in the toolbox panel: ${reply.error}`);
      return (reply.ok === undefined ? undefined : JSON.parse(reply.ok)) as T;
    },
  };
}
