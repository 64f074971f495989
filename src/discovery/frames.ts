import type { Observation } from './types.js';

/**
 * Child frames (same-origin and cross-origin iframes): which ones the panel reads, and how what was found in one is
 * labelled. Pure: the extension lists the tab's frames (webNavigation) and reads each chosen one with the same
 * page reader as the top page; these decide and label.
 */

/** A frame of the inspected tab as the browser lists it (webNavigation.getAllFrames). */
export interface FrameRef {
  readonly frameId: number;
  readonly parentFrameId: number;
  readonly url: string;
}

/** Child frames read at most per reading (one per origin): a page of ads with 50 iframes costs 8 readings a second. */
export const MAX_FRAMES = 8;

/** The origin of a URL, or null for what is not an http(s) document (about:blank, data:, blob:, chrome:…). */
export function webOrigin(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The child frames worth reading: http(s) documents of an origin other than the top page's (same-origin frames share
 * its storage and cookies, which the top reading already covers), one frame per origin (frames of one origin share
 * storage), in the browser's order, at most MAX_FRAMES. about:blank and srcdoc frames are left out: they share their
 * parent's origin. A sandboxed frame is read under its URL's origin and labelled by what the browser reports for it
 * (its opaque origin) afterwards.
 */
export function framesToRead(frames: readonly FrameRef[], topUrl: string): FrameRef[] {
  const top = webOrigin(topUrl);
  const seen = new Set<string>();
  const out: FrameRef[] = [];
  for (const frame of frames) {
    if (out.length >= MAX_FRAMES) break;
    if (frame.frameId === 0) continue;
    const origin = webOrigin(frame.url);
    if (origin === null || origin === top || seen.has(origin)) continue;
    seen.add(origin);
    out.push(frame);
  }
  return out;
}

/** The frame's label in the panel: `frame https://b.example`, or `a sandboxed frame (opaque origin)`. */
export function frameName(origin: string): string {
  if (origin === 'null') return 'a sandboxed frame (opaque origin)';
  const web = webOrigin(origin);
  return web !== null && web === origin ? `frame ${origin}` : 'a frame of unknown origin';
}

/** An observation of a child frame's container: it and each place in it carry the frame's origin. */
export function inFrame(obs: Observation, frame: string): Observation {
  return {
    ...obs,
    frame,
    found: obs.found.map((f) => ({ ...f, place: { ...f.place, frame } })),
    opaque: obs.opaque.map((m) => ({ ...m, place: { ...m.place, frame } })),
  };
}
