import { createDebugControls } from './debug-controls.js';
import { getSessionHook } from './hook.js';
import { armHttpFaults } from './http-faults.js';
import { describeEvent } from './log-format.js';
import type { DevtoolsParts } from './session.js';
import type { AuthBackend, Session } from './types.js';

/**
 * What a session with `devtools` on needs beyond the session itself: its place on the page hook, the operation log's
 * wording, `session.debug` (clock and token controls, storage view) and its HTTP backend's fault switches. The
 * production entry (production.ts) loads this module lazily, only for such a session; the full entry (index.ts)
 * imports the same parts at once.
 */
export function attachDevtools(session: Session, backend: AuthBackend): DevtoolsParts {
  armHttpFaults(backend);
  return { unregister: getSessionHook().register(session), describe: describeEvent, debugControls: createDebugControls };
}
