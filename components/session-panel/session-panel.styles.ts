import { css } from 'lit';

/**
 * Public knobs are the documented --session-panel-* properties; everything inside uses --_private names.
 * Colours use light-dark(), so the theme attribute only has to set color-scheme.
 */
export const styles = css`
  :host {
    --_bg: var(--session-panel-bg, light-dark(#ffffff, #0d1117));
    --_surface: var(--session-panel-surface, light-dark(#f6f8fa, #161b22));
    --_fg: var(--session-panel-fg, light-dark(#1f2328, #e6edf3));
    --_muted: var(--session-panel-muted, light-dark(#59636e, #9198a1));
    --_border: var(--session-panel-border, light-dark(#d1d9e0, #3d444d));
    --_accent: var(--session-panel-accent, light-dark(#0969da, #4493f8));
    --_ok: light-dark(#1a7f37, #3fb950);
    --_warn: light-dark(#9a6700, #d29922);
    --_danger: var(--session-panel-danger, light-dark(#cf222e, #f85149));
    --_font: var(--session-panel-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
    --_mono: var(--session-panel-mono, ui-monospace, 'SF Mono', Menlo, Consolas, monospace);
    --_radius: var(--session-panel-radius, 6px);
    --_row: 22px;
    color-scheme: light dark;
    display: block;
    font: 13px/1.45 var(--_font);
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    container-type: inline-size;
  }
  :host([theme='light']) { color-scheme: light; }
  :host([theme='dark']) { color-scheme: dark; }
  :host([floating]) { border: 0; background: none; display: contents; }
  :host([hidden]) { display: none; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  .panel { background: var(--_bg); color: var(--_fg); border-radius: var(--_radius); }
  header {
    display: flex; align-items: center; gap: 8px; flex-wrap: wrap;
    padding: 8px 12px; border-bottom: 1px solid var(--_border); background: var(--_surface);
    border-radius: var(--_radius) var(--_radius) 0 0;
  }
  header h2 { font-size: 14px; margin: 0 auto 0 0; display: flex; align-items: center; gap: 6px; }
  .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--_muted); display: inline-block; }
  .dot.valid { background: var(--_ok); } .dot.expiring { background: var(--_warn); } .dot.expired { background: var(--_danger); }
  .grid { display: grid; grid-template-columns: 1fr; }
  .grid > * { min-width: 0; }
  @container (min-width: 640px) {
    .grid { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
    .grid > .wide { grid-column: 1 / -1; }
    .grid > :nth-child(odd):not(.wide) { border-right: 1px solid var(--_border); }
    .grid > div > section:last-child { border-bottom: 0; }
    .grid > div { border-bottom: 1px solid var(--_border); }
  }
  section { padding: 10px 12px; border-bottom: 1px solid var(--_border); }
  h3 .count { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: 6px; }
  h3 { font-size: 11px; letter-spacing: .06em; text-transform: uppercase; color: var(--_muted); margin: 0 0 8px; font-weight: 600; }
  h4 { font-size: 12px; margin: 10px 0 4px; }
  dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; align-items: baseline; }
  dt { color: var(--_muted); }
  dd { margin: 0; min-width: 0; overflow-wrap: anywhere; display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
  .claims { grid-template-columns: 1fr; gap: 0; }
  .claim { display: grid; grid-template-columns: 90px minmax(0, 1fr); gap: 2px 12px; padding: 3px 0; border-top: 1px solid var(--_surface); }
  .claim dd { display: block; }
  .claim small { display: block; color: var(--_muted); font-size: 12px; }
  @container (min-width: 640px) {
    .claim { grid-template-columns: 90px minmax(0, 1.2fr) minmax(0, 1fr); }
    .claim dd { display: contents; }
  }
  details > summary { list-style: none; display: flex; align-items: center; gap: 6px; cursor: pointer; }
  details > summary::before { content: '▸'; color: var(--_muted); font-size: 11px; }
  details[open] > summary::before { content: '▾'; }
  details > summary h3 { margin: 0; }
  details[open] > summary { margin-bottom: 6px; }
  code, .mono { font-family: var(--_mono); font-size: 12px; }
  .uuid-row { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: baseline; margin-bottom: 8px; }
  .uuid-row .muted { flex-basis: 100%; font-size: 12px; }
  .value.big { font-weight: 600; }
  .value { font-family: var(--_mono); font-size: 12px; overflow-wrap: anywhere; }
  .muted, .note { color: var(--_muted); }
  .note { font-size: 12px; margin: 4px 0; }
  button, input, select {
    font: inherit; color: inherit; border-radius: var(--_radius); border: 1px solid var(--_border);
    background: var(--_surface); min-height: 26px;
  }
  button { padding: 2px 10px; cursor: pointer; white-space: nowrap; }
  button:hover:not(:disabled) { border-color: var(--_accent); }
  button:disabled { opacity: .55; cursor: not-allowed; }
  /* Pending actions keep focus (a disabled button would drop it), so they are only marked busy. */
  [aria-disabled='true'] { opacity: .6; cursor: progress; }
  button.danger { color: var(--_danger); }
  button.danger.primary { background: var(--_danger); border-color: var(--_danger); color: #fff; }
  button.small { min-height: 22px; padding: 0 6px; font-size: 12px; }
  input, select { padding: 2px 6px; background: var(--_bg); min-width: 0; }
  :focus-visible { outline: 2px solid var(--_accent); outline-offset: 1px; }
  .row { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
  .row label { display: flex; gap: 6px; align-items: center; }
  .row input[type='text'], .row input[type='password'] { flex: 1 1 120px; }
  .badge {
    display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
    border: 1px solid currentColor; text-transform: uppercase; letter-spacing: .04em;
  }
  .badge.valid { color: var(--_ok); } .badge.expiring { color: var(--_warn); }
  .badge.expired { color: var(--_danger); } .badge.none { color: var(--_muted); }
  .outcome { font-size: 12px; overflow-wrap: anywhere; margin: -2px 0 6px; }
  .ok { color: var(--_ok); } .error { color: var(--_danger); } .outcome.pending { color: var(--_muted); }
  .flag { border-left: 3px solid; padding: 2px 8px; margin: 6px 0; font-size: 12px; }
  .flag.danger { border-color: var(--_danger); color: var(--_danger); }
  .flag.warn { border-color: var(--_warn); color: var(--_warn); }
  .confirm { border: 1px solid var(--_danger); border-radius: var(--_radius); padding: 8px; margin: 6px 0; }
  .confirm p { margin: 0 0 6px; }
  .tips { padding: 16px 12px; }
  .tips ul { padding-left: 18px; margin: 8px 0 0; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
  .log-tools { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin-bottom: 6px; }
  .log-tools input[type='search'] { flex: 1 1 140px; }
  .log-view {
    height: var(--session-panel-log-height, 220px); overflow: auto; border: 1px solid var(--_border);
    border-radius: var(--_radius); background: var(--_bg); font: 12px/var(--_row) var(--_mono);
    contain: strict; position: relative;
  }
  .log-view ol { list-style: none; margin: 0; padding: 0; position: absolute; left: 0; right: 0; top: 0; }
  .log-view li {
    height: var(--_row); display: grid; grid-template-columns: 84px 72px minmax(0, 1fr) 56px; gap: 8px;
    padding: 0 8px; white-space: nowrap;
  }
  .log-view li > span { overflow: hidden; text-overflow: ellipsis; }
  /* The message opens the row in full: a button that looks like the row's text. */
  .log-view .m { all: unset; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; cursor: pointer; }
  .log-view .m:focus-visible { outline: 2px solid var(--_accent); outline-offset: -2px; }
  .log-detail { border: 1px solid var(--_border); border-top: 0; border-radius: 0 0 var(--_radius) var(--_radius); padding: 0 8px 6px; }
  .log-detail p { margin: 0; font: 12px/1.4 var(--_mono); white-space: pre-wrap; overflow-wrap: anywhere; }
  @container (max-width: 479px) {
    .log-view li { grid-template-columns: 80px minmax(0, 1fr) 48px; }
    .log-view .k { display: none; }
  }
  .log-view li:nth-child(odd) { background: var(--_surface); }
  .log-view .t, .log-view .d { color: var(--_muted); }
  .log-view .d { text-align: right; }
  .log-view li.o-error .m, .log-view li.o-error .k { color: var(--_danger); }
  .log-view li.o-ok .k { color: var(--_ok); }
  .log-empty { padding: 8px; color: var(--_muted); font-family: var(--_font); }
  .fab {
    position: fixed; z-index: 2147483646; display: flex; align-items: center; gap: 6px; padding: 6px 12px;
    border-radius: 999px; background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border);
    box-shadow: 0 2px 10px rgb(0 0 0 / .2); min-height: 32px;
  }
  .overlay {
    position: fixed; z-index: 2147483647; width: min(560px, calc(100vw - 24px)); max-height: calc(100vh - 72px);
    overflow: auto; border: 1px solid var(--_border); box-shadow: 0 8px 30px rgb(0 0 0 / .3);
  }
  .bottom-right { right: 12px; bottom: 12px; } .bottom-left { left: 12px; bottom: 12px; }
  .top-right { right: 12px; top: 12px; } .top-left { left: 12px; top: 12px; }
  .overlay.bottom-right, .overlay.bottom-left { bottom: 56px; }
  .overlay.top-right, .overlay.top-left { top: 56px; }
`;
