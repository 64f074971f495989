import { until, type ChildTarget } from './cdp.js';

/**
 * Undocks DevTools (a Chromium internal: its DockController module), so that its window is all DevTools and the
 * Session panel's viewport follows the window's size. Returns the dock side it had.
 */
export function undock(devtools: ChildTarget): Promise<string> {
  return devtools.evaluate<string>(`(async () => {
    const m = await import('./ui/legacy/legacy.js');
    const dock = m.DockController.DockController.instance();
    const before = dock.dockSide();
    dock.setDockSide('undocked');
    return before;
  })()`);
}

/** Undocks DevTools and sizes its window until the panel's own viewport (`panel`) is `width` × `height`. */
export async function sizePanel(devtools: ChildTarget, panel: ChildTarget, width: number, height: number): Promise<{ width: number; height: number }> {
  await undock(devtools);
  const read = () => panel.evaluate<{ width: number; height: number }>(`({ width: innerWidth, height: innerHeight })`);
  let outer = { width, height: height + 30 };
  let inner = await read();
  for (let i = 0; i < 6 && (inner.width !== width || inner.height !== height); i++) {
    await devtools.send('Emulation.setDeviceMetricsOverride', { ...outer, deviceScaleFactor: 1, mobile: false });
    const before = inner;
    // DevTools lays itself out a moment later: wait for the panel's viewport to move (or give it a moment).
    inner = await until('the panel resized', async () => {
      const now = await read();
      return now.width !== before.width || now.height !== before.height ? now : undefined;
    }, 1500).catch(() => read());
    outer = { width: outer.width + (width - inner.width), height: outer.height + (height - inner.height) };
  }
  return inner;
}
