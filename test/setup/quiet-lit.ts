/**
 * Lit's development build prints "Lit is in dev mode" once per load; every test file would print it. Marking that
 * one warning as already issued keeps dev mode (its other warnings still reach console.warn, which fails a test).
 */
const g = globalThis as { litIssuedWarnings?: Set<string> };
(g.litIssuedWarnings ??= new Set()).add('dev-mode');
