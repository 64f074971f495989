import type { DiscoveryView } from './discovery-contract.js';
import type { FoundTimeline } from './timeline-view.js';
import { DiscoveredSection } from './discovered-section.js';
import { discoveredStyles } from './discovered-section.styles.js';
import { foundLane, viewFoundLane, type FoundLane } from './found-lane-model.js';
import { FOUND_ROW_H, foundItems, foundRows } from './timeline-found-view.js';

/*
 * The discovery UI (spec §9) in one value: "Found on this page" (discovered-section.ts), the timeline's found-token
 * rows (found-lane-model.ts, timeline-found-view.ts) and their styles. Only the DevTools extension has a discovery
 * feed, so only its panel page imports this and gives it to the element:
 *
 *   panel.discoveryView = discoveryView;
 *   panel.discovery = feed;
 *
 * The element's own module graph (dist/index.js, the drop-in dist/session-panel.js) does not reach this file.
 */
export const discoveryView: DiscoveryView = {
  styles: discoveredStyles,
  attach(host, context) {
    const section = new DiscoveredSection(host, context);
    return {
      use: (feed) => section.use(feed),
      render: (feed, now) => section.render(feed, now),
      timeline(feed, now, shift) {
        const sessions = section.sessions(feed);
        return sessions.length ? foundTimeline(foundLane(sessions, now), (token) => section.select(token), shift) : undefined;
      },
      cancelDelete: () => section.cancelDelete(),
      detach: () => section.detach(),
    };
  },
};

/** The lane as the timeline draws it: viewed per range and width, its items for keyboard moves, its rows as SVG. */
function foundTimeline(lane: FoundLane, select: (token: string) => void, shift: number): FoundTimeline {
  return {
    first: lane.first,
    shift,
    view(start, end, width) {
      if (lane.rows.length === 0) return null;
      const shown = viewFoundLane(lane, start, end, width);
      return {
        height: shown.rows.length * FOUND_ROW_H,
        hidden: shown.hidden,
        empty: !shown.rows.some((r) => r.bars.length > 0 || r.marks.length > 0),
        items: foundItems(shown).map((i) => ({ key: i.key, at: i.at, label: i.label, open: () => select(i.token) })),
        draw: (drawing) => foundRows(shown, { ...drawing, select }),
      };
    },
  };
}
