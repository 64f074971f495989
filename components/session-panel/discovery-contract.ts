import type { CSSResult, LitElement, TemplateResult } from 'lit';
import type { DiscoveryFeed } from '../../src/discovery/feed.js';
import type { FoundTimeline } from './timeline-view.js';

/*
 * What <session-panel> asks of a discovery view (spec §9): types only, nothing at run time. The element knows the
 * discovery UI through these and never imports it, so `import 'session-panel'` and the drop-in carry none of it; the
 * extension's panel page imports the one implementation (discovery-view.ts) and hands it to the element's
 * `discoveryView` property beside the feed in `discovery`. test/components/discovery-bundle.test.ts keeps it so.
 */

/** What the view may do through the element: copy a token (the element's copy outcome and events), announce a result. */
export interface DiscoveryViewContext {
  readonly copy: (token: string) => void;
  readonly announce: (text: string) => void;
}

/** One element's discovery UI: the "Found on this page" section and the timeline's found rows, with their state. */
export interface DiscoveryPart {
  /** The feed to follow while the element is connected (the element's `discovery`; undefined: none). */
  use(feed: DiscoveryFeed | undefined): void;
  /** `part="discovered"`. `now` is the local clock (found tokens are judged on it, not on a session's). */
  render(feed: DiscoveryFeed, now: number): TemplateResult;
  /** The found tokens as the timeline draws them, `shift` onto the session's clock; undefined when none were found. */
  timeline(feed: DiscoveryFeed, now: number, shift: number): FoundTimeline | undefined;
  /** Escape: closes an open delete confirmation; returns whether there was one. */
  cancelDelete(): boolean;
  /** Stops following the feed and leaves the element (its `discoveryView` was replaced or removed). */
  detach(): void;
}

/** The discovery UI as a value: its styles (adopted into the element's shadow root) and a part per element. */
export interface DiscoveryView {
  readonly styles: CSSResult;
  attach(host: LitElement, context: DiscoveryViewContext): DiscoveryPart;
}
