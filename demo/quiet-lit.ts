/**
 * Imported first by the demo: the dev server serves Lit's development build, which prints "Lit is in dev mode" on
 * every load. That warning is about our build, not about the page a developer is trying out, so it is marked as
 * already issued; Lit's other dev-mode warnings still show.
 */
const g = globalThis as { litIssuedWarnings?: Set<string> };
(g.litIssuedWarnings ??= new Set()).add('dev-mode');
export {};
