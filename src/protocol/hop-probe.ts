import type { PageUpdate } from './messages.js';

/**
 * Opt-in hop timing for `bench/extension.bench.mjs`: where a page change spends its time on the way to the panel.
 *
 * Off unless a benchmark puts a `Map` at `globalThis.__sessionPanelHops` in that context (the worker, the panel, the
 * bridge's isolated world, which the page cannot see). Then each hop records, once per snapshot UUID, the time the
 * snapshot carrying it passed (`performance.timeOrigin + performance.now()`, comparable across contexts on one
 * machine). It records the UUID and a time, nothing else of the session; it keeps at most HOP_PROBE_KEYS of them.
 * Not used in the page's own world: a page could put anything at that global (the bench patches `postMessage` there).
 */
export type HopName = 'bridge-in' | 'bridge-out' | 'worker-in' | 'worker-out' | 'panel-in';

export const HOP_PROBE_GLOBAL = '__sessionPanelHops';
/** Most UUIDs kept per context; the oldest go first. */
export const HOP_PROBE_KEYS = 1024;

/** Now, on the probe's clock: a hop that parses first takes its arrival time before parsing. */
export const hopNow = (): number => performance.timeOrigin + performance.now();

/** Records when `update` passed `hop` (at `at`, default now), if a benchmark turned the probe on here. */
export function stampHop(hop: HopName, update: PageUpdate, at?: number): void {
  const probe = (globalThis as Record<string, unknown>)[HOP_PROBE_GLOBAL];
  if (!(probe instanceof Map) || update.type !== 'snapshot') return;
  const key = `${hop}:${update.snapshot.uuid}`;
  if (probe.has(key)) return;
  probe.set(key, at ?? hopNow());
  if (probe.size > HOP_PROBE_KEYS) probe.delete(probe.keys().next().value);
}
