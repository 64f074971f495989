import { observeHarEntry, wantsResponseBody, type HarEntryLike, type Observation } from '../../discovery/index.js';

/**
 * The panel's view of the inspected page's requests, through DevTools' own network API (no permission needed):
 * every finished request is read for bearer tokens and JWT cookies it sent, and for token-endpoint JSON responses,
 * whose body is fetched with getContent. Requests made since DevTools opened but before the panel did come from
 * getHAR. Bounded: at most MAX_BODIES_IN_FLIGHT bodies are fetched at once (a burst beyond that is read without its
 * body, and counted), and nothing is kept here: each request becomes one Observation for the store.
 */
export const MAX_BODIES_IN_FLIGHT = 8;

/** A HAR entry as onRequestFinished hands it over; getContent is promise-based through the polyfill (or Firefox). */
export interface FinishedRequest extends HarEntryLike {
  getContent?: () => Promise<unknown> | void;
}

export interface DevtoolsNetworkLike {
  readonly onRequestFinished: {
    addListener(listener: (request: FinishedRequest) => void): void;
    removeListener(listener: (request: FinishedRequest) => void): void;
  };
  getHAR?: () => Promise<{ entries?: readonly HarEntryLike[] } | undefined>;
}

export interface NetworkObserver {
  /** Requests whose body was wanted but not fetched (too many at once, or getContent failed). */
  readonly bodiesSkipped: number;
  stop(): void;
}

/** getContent's answer: a string, or [content, encoding] (Chrome through the polyfill, Firefox). */
function contentText(value: unknown): string | null {
  const [content, encoding] = Array.isArray(value) ? value : [value, undefined];
  if (typeof content !== 'string') return null;
  if (encoding === 'base64') {
    try {
      return new TextDecoder().decode(Uint8Array.from(atob(content), (c) => c.charCodeAt(0)));
    } catch {
      return null;
    }
  }
  return content;
}

export function observeNetwork(network: DevtoolsNetworkLike, onObservation: (observation: Observation) => void): NetworkObserver {
  let inFlight = 0;
  let skipped = 0;
  let stopped = false;
  const deliver = (entry: HarEntryLike, body: string | null): void => {
    if (stopped) return;
    try {
      onObservation(observeHarEntry(entry, body));
    } catch {
      // A malformed entry from the browser: nothing to learn from it.
    }
  };
  const listener = (request: FinishedRequest): void => {
    if (!wantsResponseBody(request) || typeof request.getContent !== 'function' || inFlight >= MAX_BODIES_IN_FLIGHT) {
      if (wantsResponseBody(request)) skipped++;
      return deliver(request, null);
    }
    inFlight++;
    Promise.resolve(request.getContent())
      .then((value) => deliver(request, contentText(value)))
      .catch(() => {
        skipped++;
        deliver(request, null);
      })
      .finally(() => inFlight--);
  };
  network.onRequestFinished.addListener(listener);
  // What happened before the panel opened (since DevTools did): headers only, bodies are no longer guaranteed.
  void network
    .getHAR?.()
    ?.then((log) => {
      for (const entry of log?.entries ?? []) deliver(entry, null);
    })
    .catch(() => undefined);
  return {
    get bodiesSkipped() {
      return skipped;
    },
    stop() {
      stopped = true;
      network.onRequestFinished.removeListener(listener);
    },
  };
}
