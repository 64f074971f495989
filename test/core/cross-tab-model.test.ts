/**
 * Model-based test (fast-check) of several sessions sharing one storage, as tabs of one app do: random batches of
 * operations started together in random tabs (so they interleave across tabs), clock jumps, and the device clock
 * running ahead of or behind the issuer's. After every batch has settled and the tabs have heard each other:
 * - every tab converges on the stored state (UUID, customer, token);
 * - no tab holds a token of an identity that ended (its subject is the tab's UUID; a customer token is that
 *   customer's);
 * - no tab ever handed out a token past its `exp` (judged on the issuer's clock when the call resolved), and none
 *   shows more time left than the issuer gives its token;
 * - retrieveToken() never rejected with superseded (9009).
 * Time is injected: the issuer (dev backend) and the tabs read one hand-moved clock, each tab with its own offset
 * (tabs whose clocks differ, issue #14: exact, sub-second, or minutes to an hour off, ahead or behind).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDevBackend, createSession, type Session, type Token } from '../../src/core/index.js';
import { MapStorage } from './support/map-storage.js';

const TABS = 3;
const T0 = 1_800_000_000_000;

type Op =
  | { kind: 'retrieveToken' | 'refreshToken' | 'destroySession' | 'regenerateUUID' | 'signOut'; tab: number }
  | { kind: 'signIn'; tab: number; login: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('retrieveToken', 'refreshToken', 'destroySession', 'regenerateUUID', 'signOut' as const), tab: fc.nat(TABS - 1) }),
  fc.record({ kind: fc.constant('signIn' as const), tab: fc.nat(TABS - 1), login: fc.constantFrom('ann', 'bob') }),
);
const stepArb = fc.record({
  batch: fc.array(opArb, { minLength: 1, maxLength: 4 }),
  // How far the clock moves after the batch: nothing, within a token's life, or past it (tokens live 600 s).
  advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400_000 }), fc.integer({ min: 600_000, max: 700_000 })),
});

const heard = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 15));

describe('model-based: tabs sharing one storage (fc, interleaved operations across tabs, clock offsets)', () => {
  it('converge on the storage, hold no token of an ended identity, never hand out a token past exp', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 6 }),
        // Each tab's clock against the issuer's: exact, sub-second (ms in it), or minutes to an hour off.
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: -900, max: 900 }), fc.integer({ min: -3_600_000, max: 3_600_000 })), { minLength: TABS, maxLength: TABS }),
        async (steps, offsets) => {
          const issuer = { now: T0 + 123 };
          const storage = new MapStorage();
          const namespace = `model-tabs-${randomUUID().slice(0, 8)}`;
          const backend = createDevBackend({ now: () => issuer.now, keyStorage: 'memory', tokenTtlSeconds: 600 });
          const tabs: Session[] = offsets.map((offset) =>
            createSession({ backend, storage, namespace, crossTab: true, devtools: false, now: () => issuer.now + offset, requestTimeoutMs: 5000 }),
          );
          const problems: string[] = [];
          // Sub-second skew cannot be told from none (docs/cross-tab.md): allow that much, nothing more.
          const slack = (tab: number): number => (Math.abs(offsets[tab]!) < 1000 ? Math.abs(offsets[tab]!) : 0);
          const handedOut = (tab: number, token: Token): void => {
            if (issuer.now >= token.expirationDate.getTime() + slack(tab)) problems.push(`tab ${tab} handed out a token ${issuer.now - token.expirationDate.getTime()} ms past exp`);
          };
          try {
            await Promise.all(tabs.map((t) => t.ready));
            await heard();
            for (const { batch, advanceMs } of steps) {
              await Promise.all(
                batch.map(async (op) => {
                  const s = tabs[op.tab]!;
                  try {
                    if (op.kind === 'retrieveToken') handedOut(op.tab, await s.retrieveToken());
                    else if (op.kind === 'refreshToken') handedOut(op.tab, await s.refreshToken());
                    else if (op.kind === 'signIn') await s.signIn(op.login, 'pw');
                    else await s[op.kind]();
                  } catch (error) {
                    const e = error as { kind?: string; code?: number };
                    if (op.kind === 'retrieveToken' && e.kind === 'superseded') problems.push(`tab ${op.tab} retrieveToken() rejected with superseded`);
                    if (!['session-expired', 'already-signed-out', 'superseded', 'invalid-response'].includes(e.kind ?? '')) problems.push(`tab ${op.tab} ${op.kind}: ${e.kind} ${String(error)}`);
                  }
                }),
              );
              await heard();
              const stored = JSON.parse(storage.getItem(`${namespace}:state`)!) as { uuid: string; login: string | null; token: { tokenString: string } | null };
              for (const [i, s] of tabs.entries()) {
                const snap = s.snapshot();
                if (snap.uuid !== stored.uuid || snap.login !== stored.login || (snap.token?.tokenString ?? null) !== (stored.token?.tokenString ?? null)) {
                  problems.push(`tab ${i} is not on the stored state`);
                }
                if (snap.token) {
                  const left = snap.token.expiresAt - snap.now;
                  if (left > snap.token.exp - issuer.now + slack(i)) problems.push(`tab ${i} shows ${left} ms left of a token the issuer ends in ${snap.token.exp - issuer.now} ms`);
                  const claims = JSON.parse(Buffer.from(snap.token.tokenString.split('.')[1]!, 'base64url').toString()) as { sub: string; customId?: string };
                  if (claims.sub !== snap.uuid) problems.push(`tab ${i} holds a token of another identity`);
                  if (snap.token.rlm === 'client' && claims.customId !== snap.login) problems.push(`tab ${i} holds another customer's token`);
                }
              }
              expect(problems).toEqual([]);
              issuer.now += advanceMs;
            }
          } finally {
            for (const t of tabs) t.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
