import { createDevBackend, type DevBackend, type DevBackendOptions } from '../../../src/core/dev-backend.js';
import { createDebugControls } from '../../../src/core/debug-controls.js';
import { describeEvent } from '../../../src/core/log-format.js';
import { createSessionCore, type SessionCoreOptions } from '../../../src/core/session.js';
import type { Session, SessionEvent } from '../../../src/core/types.js';

/** A clock tests move by hand: the session and its dev backend share it, so no test ever sleeps. */
export class ManualClock {
  constructor(public t = Date.UTC(2026, 10, 24, 12, 0, 0)) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Fixture {
  session: Session;
  backend: DevBackend;
  clock: ManualClock;
  events: SessionEvent[];
  /** Event types seen so far, in order. */
  types(): string[];
}

/** A ready session on a memory store with the real dev backend and a manual clock. */
export async function readySession(
  options: Partial<SessionCoreOptions> = {},
  backendOptions: DevBackendOptions = {},
): Promise<Fixture> {
  const clock = new ManualClock();
  const backend = createDevBackend({ now: clock.now, ...backendOptions });
  const session = createSessionCore({ storage: 'memory', devtools: false, now: clock.now, backend, describe: describeEvent, debugControls: createDebugControls, ...options });
  const events: SessionEvent[] = [];
  session.subscribe((e) => events.push(e));
  await session.ready;
  return { session, backend, clock, events, types: () => events.map((e) => e.type) };
}

export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
