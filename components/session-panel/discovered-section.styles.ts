import { css } from 'lit';

/** Styles of the "Found on this page" section (discovered-section.ts), over the element's private --_ tokens. */
export const discoveredStyles = css`
  .discovered-session { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 6px 10px; margin: 8px 0; }
  .discovered-session > h4 { margin: 2px 0 6px; overflow-wrap: anywhere; }
  /* Rows out of view are not laid out or painted (the countdown changes every row's text each second); a row keeps
     the height it last had (auto), 220 px (a typical row with one warning) before it was first drawn. */
  .discovered-token { border-top: 1px solid var(--_surface); padding: 6px 0; content-visibility: auto; contain-intrinsic-size: auto 220px; }
  .discovered-token > p:first-child { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; margin: 0 0 6px; }
  .discovered-token details { margin-top: 4px; }
  .discovered-token details > summary { font-size: 12px; color: var(--_muted); }
  ul.places { margin: 0; padding-left: 16px; font-family: var(--_mono); font-size: 12px; }
  ul.places li { overflow-wrap: anywhere; }
  .discovered-token.selected { outline: 2px solid var(--_accent); outline-offset: 2px; border-radius: 2px; }
  .discovered-token:focus { outline: 2px solid var(--_accent); }
  /* The timeline's found-token rows (timeline-found-view.ts). */
  .timeline .sw.found { background: var(--_found); }
  .timeline .bar.found rect { fill: var(--_found); }
  .timeline .bar.found.id rect { fill: var(--_found-id); }
  .timeline .mark.found-new-value path { fill: var(--_found); stroke: var(--_bg); }
  .timeline .mark.found-sent path { fill: var(--_fg); stroke: none; opacity: .75; }
  .timeline .mark.found-received path { fill: var(--_accent); stroke: none; }
  .timeline .row-label { fill: var(--_fg); font: 9px var(--_font); paint-order: stroke; stroke: var(--_bg); stroke-width: 3px; pointer-events: none; }
  :host { --_found: light-dark(#00897b, #4db6ac); --_found-id: light-dark(#80cbc4, #26675f); }
`;
