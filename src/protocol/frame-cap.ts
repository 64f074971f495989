/**
 * How many frames of one tab the extension follows. Each frame's data is bounded already (byte budgets, snapshots,
 * logs); this bounds how many frames there are, so a page that makes hundreds of iframes with sessions (or look-alike
 * hooks) cannot grow the worker's and the panel's per-frame state without end (docs/extension.md, "Frames").
 *
 * Two limits, both per tab, both kept in the worker's router:
 * - FRAMES_WITH_SESSIONS: frames whose sessions reach the panel. A frame takes a place when it first lists a session;
 *   the top frame always has one. Once followed, a frame keeps its place while its document lives and for
 *   FRAME_PLACE_GRACE_MS after (a reload or navigation of that frame, the user's pick included, gets it back), so
 *   frames shown are never pushed out by newcomers; a newcomer over the limit is not followed.
 * - FRAMES_PER_TAB: frames with a bridge the worker keeps at all (sessions or not; the panel's welcome lists them).
 * Frames not followed are told to detach (their page agent goes quiet) and counted; the panel says how many.
 */
export const FRAMES_WITH_SESSIONS = 32;
export const FRAMES_PER_TAB = 128;
export const FRAME_PLACE_GRACE_MS = 3000;
/** Most frame ids remembered as not followed (for an exact count); past it the count still grows. */
const REFUSED_IDS = 1024;

/** The line the panel shows about frames not followed. */
export function framesNotFollowedLine(count: number, limit = FRAMES_WITH_SESSIONS): string {
  return `Not following ${count} more frame${count === 1 ? '' : 's'} of this page: at most ${limit} frames with sessions per tab (the top page and the frames shown keep their place)`;
}

/** One tab's places. Frame ids are the browser's (0 is the top frame). */
export class FramePlaces {
  /** Followed frames: Infinity while the document lives, else when its kept place ends. */
  readonly #held = new Map<number, number>();
  readonly #refused = new Set<number>();
  #refusedOverflow = 0;

  constructor(
    readonly limit: number = FRAMES_WITH_SESSIONS,
    readonly graceMs: number = FRAME_PLACE_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `frameId` is followed (it holds a place now). */
  follows(frameId: number): boolean {
    return this.#held.get(frameId) === Infinity;
  }

  /** A frame lists sessions: true if it has, or now takes, a place; false (counted) when the tab is full. */
  admit(frameId: number): boolean {
    const held = this.#held.get(frameId);
    const t = this.now();
    if (held !== undefined && held > t) {
      this.#held.set(frameId, Infinity);
      return true;
    }
    for (const [id, until] of this.#held) if (until <= t) this.#held.delete(id);
    // The top frame's place is its own: the others share the rest.
    const others = [...this.#held.keys()].filter((id) => id !== 0).length;
    if (frameId === 0 || others < this.limit - 1) {
      this.#held.set(frameId, Infinity);
      this.#refused.delete(frameId);
      return true;
    }
    this.refuse(frameId);
    return false;
  }

  /** Counts a frame not followed (over this limit, or over the tab's frame limit). */
  refuse(frameId: number): void {
    if (this.#refused.has(frameId)) return;
    if (this.#refused.size < REFUSED_IDS) this.#refused.add(frameId);
    else this.#refusedOverflow++;
  }

  /** A followed frame's document went: its place is kept a little while for the frame's next document. */
  release(frameId: number): void {
    if (this.#held.get(frameId) === Infinity) this.#held.set(frameId, this.now() + this.graceMs);
  }

  /** Frames not followed so far (each frame once). */
  refused(): number {
    return this.#refused.size + this.#refusedOverflow;
  }

  /** Places held, kept ones included (for tests and stats). */
  held(): number {
    const t = this.now();
    return [...this.#held.values()].filter((until) => until > t).length;
  }
}
