import { css } from 'lit';

/**
 * Public knobs are the documented --session-panel-* properties; everything inside uses --_private names.
 * Colours use light-dark(), so the theme attribute only has to set color-scheme.
 */
export const styles = css`
  :host {
    /* DevTools' own neutrals (light and dark themes), so the Session tab sits among Network and Application. */
    --_bg: var(--session-panel-bg, light-dark(#ffffff, #202124));
    --_surface: var(--session-panel-surface, light-dark(#f3f3f3, #292a2d));
    --_fg: var(--session-panel-fg, light-dark(#1f1f1f, #e3e3e3));
    --_muted: var(--session-panel-muted, light-dark(#5f6368, #9aa0a6));
    --_border: var(--session-panel-border, light-dark(#d6d6d6, #3c4043));
    --_accent: var(--session-panel-accent, light-dark(#1a73e8, #8ab4f8));
    --_select: light-dark(#cfe8fc, #2d4a6b);
    --_ok: light-dark(#188038, #81c995);
    --_warn: light-dark(#a15c00, #fdd663);
    --_danger: var(--session-panel-danger, light-dark(#d93025, #f28b82));
    --_anon: light-dark(#7aa7e6, #5f8fd6);
    --_client: light-dark(#2e9e5b, #5bb974);
    --_font: var(--session-panel-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
    --_mono: var(--session-panel-mono, ui-monospace, 'SF Mono', Menlo, Consolas, monospace);
    --_radius: var(--session-panel-radius, 6px);
    --_row: 20px;
    color-scheme: light dark;
    display: block;
    font: 12px/1.4 var(--_font);
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    container: panel / inline-size;
  }
  :host([theme='light']) { color-scheme: light; }
  :host([theme='dark']) { color-scheme: dark; }
  :host([floating]) { border: 0; background: none; display: contents; }
  :host([hidden]) { display: none; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  .panel { background: var(--_bg); color: var(--_fg); border-radius: var(--_radius); display: flex; flex-direction: column; height: 100%; }
  header {
    display: flex; align-items: center; gap: 8px; flex-wrap: wrap;
    padding: 4px 10px; border-bottom: 1px solid var(--_border); background: var(--_surface);
    border-radius: var(--_radius) var(--_radius) 0 0;
  }
  header h2 { font-size: 13px; margin: 0 auto 0 0; display: flex; align-items: center; gap: 6px; }
  .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--_muted); display: inline-block; }
  .dot.valid { background: var(--_ok); } .dot.expiring { background: var(--_warn); } .dot.expired { background: var(--_danger); }
  /*
   * Layout by the element's own width (spec §8), never by where it runs. Narrow: the details stacked first, then the
   * toolbar, timeline and log, as before. Wide (≥ 720px): a DevTools split, the toolbar on top, timeline and log as
   * the main pane filling the height, the details beside it at a width the splitter sets.
   */
  .layout {
    display: grid; grid-template-columns: minmax(0, 1fr);
    grid-template-areas: 'details' 'toolbar' 'main'; flex: 1 1 auto; min-height: 0;
  }
  .toolbar { grid-area: toolbar; }
  /* The main pane is a container of its own: the log's columns follow its width, not the element's. */
  .main { grid-area: main; display: flex; flex-direction: column; min-width: 0; min-height: 0; container: main / inline-size; }
  .details { grid-area: details; min-width: 0; display: grid; grid-template-columns: minmax(0, 1fr); align-content: start; }
  .details > * { min-width: 0; }
  .splitter { display: none; }
  @container panel (min-width: 560px) and (max-width: 719.98px) {
    .details { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
    .details > :nth-child(odd) { border-right: 1px solid var(--_border); }
    .details > .claims-section, .details > .storage, .details > .requests { grid-column: 1 / -1; border-right: 0; }
  }
  @container panel (min-width: 720px) {
    .layout {
      grid-template-columns: minmax(360px, 1fr) 5px var(--session-panel-details-width, clamp(280px, 38%, 520px));
      grid-template-rows: auto minmax(0, 1fr);
      grid-template-areas: 'toolbar toolbar toolbar' 'main split details';
    }
    .splitter { display: block; grid-area: split; cursor: col-resize; background: var(--_border); background-clip: content-box; padding: 0 2px; touch-action: none; }
    .splitter:hover, .splitter:focus-visible { background-color: var(--_accent); padding: 0 1px; }
    .details { overflow: auto; }
    .main .log { flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; }
    .main .log-view { flex: 1 1 auto; height: auto; min-height: 140px; }
    section { padding: 6px 10px; }
  }
  .toolbar {
    display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; padding: 3px 8px;
    border-bottom: 1px solid var(--_border); border-top: 1px solid var(--_border); background: var(--_surface);
  }
  .toolbar input[type='search'] { width: 160px; }
  .toolbar .sep { width: 1px; align-self: stretch; background: var(--_border); margin: 2px 2px; }
  .toolbar .grow { flex: 1 1 0; }
  .toolbar .picker { display: inline-flex; gap: 4px; align-items: center; }
  .toolbar button, .toolbar select, .toolbar input { min-height: 22px; }
  .toolbar button { padding: 0 8px; }
  .check { display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; }
  .check input { margin: 0; min-height: 0; }
  .export-group { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
  .file-button { position: relative; display: inline-flex; align-items: center; min-height: 22px; padding: 0 8px; border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_surface); cursor: pointer; white-space: nowrap; }
  .file-button:focus-within { outline: 2px solid var(--_accent); outline-offset: 1px; }
  .file-button input { position: absolute; inset: 0; opacity: 0; width: 100%; cursor: pointer; }
  .imported { display: inline-flex; gap: 6px; align-items: center; color: var(--_warn); }
  .warn-text { color: var(--_warn); }
  .timeline { padding: 4px 10px 2px; border-bottom: 1px solid var(--_border); }
  .timeline-head { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin-bottom: 2px; }
  .timeline-head h3 { margin: 0; }
  .timeline .legend { display: inline-flex; align-items: center; gap: 4px; color: var(--_muted); font-size: 11px; }
  .timeline .sw { display: inline-block; width: 12px; height: 8px; border-radius: 2px; margin-left: 6px; }
  .timeline .sw.client { background: var(--_client); } .timeline .sw.anonymous_client { background: var(--_anon); }
  .timeline .hover { flex: 1 1 160px; font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-height: 1.4em; }
  .timeline .zoom { display: inline-flex; gap: 2px; }
  .timeline .zoom [aria-pressed='true'] { background: var(--_select); border-color: var(--_accent); }
  .timeline svg { display: block; width: 100%; height: 84px; overflow: visible; user-select: none; }
  .timeline .lane { stroke: var(--_border); stroke-dasharray: 2 3; }
  .timeline .tick { stroke: var(--_border); }
  .timeline .axis { fill: var(--_muted); font: 10px var(--_font); }
  .timeline .now { stroke: var(--_warn); stroke-width: 1.5; }
  .timeline .now-label { fill: var(--_warn); }
  .timeline .bar { cursor: pointer; }
  .timeline .bar.client rect { fill: var(--_client); } .timeline .bar.anonymous_client rect { fill: var(--_anon); }
  .timeline .bar .ahead { opacity: .35; }
  .timeline .bar:hover rect { stroke: var(--_fg); stroke-width: 1; }
  .timeline .mark { cursor: pointer; }
  .timeline .mark .hit { fill: transparent; }
  .timeline .mark path { stroke-width: 1.5; stroke: var(--_bg); }
  .timeline .mark.refresh path { fill: var(--_accent); }
  .timeline .mark.regenerate path { fill: light-dark(#8e44ad, #c58af9); }
  .timeline .mark.destroy path { stroke: var(--_danger); stroke-width: 2.2; fill: none; }
  .timeline .mark.sign-in path { fill: var(--_client); }
  .timeline .mark.sign-out path { fill: var(--_muted); }
  .timeline .mark.failure path { fill: var(--_danger); stroke: none; }
  .timeline .mark:hover path { stroke: var(--_fg); }
  .timeline .count { fill: var(--_muted); font: 9px var(--_font); }
  .timeline svg:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
  .timeline .focused rect, .timeline .focused path { stroke: var(--_fg); stroke-width: 2; }
  .requests table { width: 100%; border-collapse: collapse; font-size: 11px; table-layout: fixed; }
  .requests th { text-align: left; color: var(--_muted); font-weight: 500; border-bottom: 1px solid var(--_border); padding: 1px 4px; }
  .requests td { padding: 1px 4px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; border-bottom: 1px solid var(--_surface); }
  .requests th:nth-child(1) { width: 46%; } .requests th:nth-child(3) { width: 16%; } .requests th:nth-child(4) { width: 18%; }
  .requests tr.o-error td { color: var(--_danger); }
  .storage-entries { grid-template-columns: 1fr; gap: 2px; }
  .storage-entries dd { display: block; }
  .raw { margin: 0 0 6px; padding: 4px 6px; background: var(--_surface); border-radius: var(--_radius); font: 11px/1.35 var(--_mono); white-space: pre-wrap; overflow-wrap: anywhere; max-height: 180px; overflow: auto; }
  .state-after { margin-top: 4px; grid-template-columns: max-content 1fr; font-size: 11px; }
  .state-after .changed { font-weight: 600; color: var(--_accent); }
  section { padding: 8px 12px; border-bottom: 1px solid var(--_border); }
  h3 .count { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: 6px; }
  h3 { font-size: 11px; letter-spacing: .04em; text-transform: uppercase; color: var(--_muted); margin: 0 0 6px; font-weight: 600; }
  h4 { font-size: 12px; margin: 10px 0 4px; }
  dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; align-items: baseline; }
  dt { color: var(--_muted); }
  dd { margin: 0; min-width: 0; overflow-wrap: anywhere; display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
  .claims { grid-template-columns: 1fr; gap: 0; }
  .claim { display: grid; grid-template-columns: 90px minmax(0, 1fr); gap: 2px 12px; padding: 3px 0; border-top: 1px solid var(--_surface); }
  .claim dd { display: block; }
  .claim small { display: block; color: var(--_muted); font-size: 12px; }
  @container panel (min-width: 560px) and (max-width: 719.98px) {
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
    background: var(--_surface); min-height: 24px;
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
  .log-view {
    height: var(--session-panel-log-height, 220px); overflow: auto; border: 1px solid var(--_border);
    border-radius: var(--_radius); background: var(--_bg); font: 12px/var(--_row) var(--_mono);
    contain: strict; position: relative;
  }
  .log-view ol { list-style: none; margin: 0; padding: 0; position: absolute; left: 0; right: 0; top: 0; }
  .log-view li {
    height: var(--_row); display: grid; grid-template-columns: 13ch 11ch minmax(0, 1fr) 8ch; gap: 8px;
    padding: 0 8px; white-space: nowrap;
  }
  .log-view li > span { overflow: hidden; text-overflow: ellipsis; }
  /* The message opens the row in full: a button that looks like the row's text. */
  .log-view .m { all: unset; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; cursor: pointer; }
  .log-view .m:focus-visible { outline: 2px solid var(--_accent); outline-offset: -2px; }
  .log-detail { border: 1px solid var(--_border); border-top: 0; border-radius: 0 0 var(--_radius) var(--_radius); padding: 0 8px 6px; }
  .log-detail p { margin: 0; font: 12px/1.4 var(--_mono); white-space: pre-wrap; overflow-wrap: anywhere; }
  @container main (max-width: 559px) {
    .log-view li { grid-template-columns: 13ch minmax(0, 1fr) 8ch; }
    .log-view .k { display: none; }
  }
  .log-view li:nth-child(odd) { background: var(--_surface); }
  .log-view .t, .log-view .d { color: var(--_muted); }
  .log-view .d { text-align: right; }
  .log-view li.o-error { background: light-dark(#fce8e6, #3c2020); }
  .log-view li.o-error .m, .log-view li.o-error .k { color: var(--_danger); }
  .log-view li.selected { background: var(--_select); }
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
