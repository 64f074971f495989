import { css } from 'lit';

/** Styles of the "Found on this page" section (discovered-section.ts), over the element's private --_ tokens. */
export const discoveredStyles = css`
  .discovered-session { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 6px 10px; margin: 8px 0; }
  .discovered-session > h4 { margin: 2px 0 6px; overflow-wrap: anywhere; }
  .discovered-token { border-top: 1px solid var(--_surface); padding: 6px 0; }
  .discovered-token > p:first-child { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; margin: 0 0 6px; }
  .discovered-token details { margin-top: 4px; }
  .discovered-token details > summary { font-size: 12px; color: var(--_muted); }
  ul.places { margin: 0; padding-left: 16px; font-family: var(--_mono); font-size: 12px; }
  ul.places li { overflow-wrap: anywhere; }
`;
