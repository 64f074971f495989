import { getSessionHook } from './hook.js';
import { describeEvent } from './log-format.js';
import type { Session } from './types.js';

/**
 * What a session with `devtools` on needs beyond the session itself: its place on the page hook and the operation
 * log's wording. The production entry (production.ts) loads this module lazily, only for such a session.
 */
export function attachDevtools(session: Session): { unregister: () => void; describe: typeof describeEvent } {
  return { unregister: getSessionHook().register(session), describe: describeEvent };
}
