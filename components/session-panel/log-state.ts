import type { LogFacts, SessionSnapshot } from '../../src/core/types.js';
import type { PanelLogEntry } from './log-store.js';

/** What the session was after one log row: the fields the log's facts track, and which of them this row changed. */
export interface StateAfter {
  /** null: the log does not say (the row is older than anything it can be told from). */
  readonly uuid: string | null;
  readonly token: NonNullable<LogFacts['token']> | null | undefined;
  readonly login: string | null | undefined;
  readonly changed: readonly ('uuid' | 'token' | 'login')[];
}

/**
 * The state after row `index` of `rows` (oldest first): for each field the last fact at or before the row; failing
 * that, what a later fact says it was before (a UUID change names the UUID it left); failing that, when no later row
 * changed it, the session's state now. `undefined` token or login: the log cannot tell.
 */
export function stateAfter(rows: readonly PanelLogEntry[], index: number, now: SessionSnapshot | undefined): StateAfter {
  const entry = rows[index];
  const facts = entry?.facts;
  const changed: ('uuid' | 'token' | 'login')[] = [];
  if (facts?.uuid !== undefined) changed.push('uuid');
  if (facts?.token !== undefined) changed.push('token');
  if (facts && 'login' in facts) changed.push('login');

  let uuid: string | null | undefined;
  let token: StateAfter['token'];
  let login: StateAfter['login'];
  let tokenKnown = false;
  let loginKnown = false;
  for (let i = index; i >= 0 && (uuid === undefined || !tokenKnown || !loginKnown); i--) {
    const f = rows[i]?.facts;
    if (!f) continue;
    if (uuid === undefined && f.uuid !== undefined) uuid = f.uuid;
    if (!tokenKnown && f.token !== undefined) {
      token = f.token;
      tokenKnown = true;
    }
    if (!loginKnown && 'login' in f) {
      login = f.login ?? null;
      loginKnown = true;
    }
  }
  let laterUuid = false;
  let laterToken = false;
  let laterLogin = false;
  for (let i = index + 1; i < rows.length; i++) {
    const f = rows[i]?.facts;
    if (!f) continue;
    if (uuid === undefined && !laterUuid && f.uuid !== undefined) uuid = f.previousUuid ?? null;
    if (f.uuid !== undefined) laterUuid = true;
    if (f.token !== undefined) laterToken = true;
    if ('login' in f) laterLogin = true;
  }
  if (uuid === undefined) uuid = laterUuid ? null : (now?.uuid ?? null);
  if (!tokenKnown && !laterToken && now) token = now.token ? { rlm: now.token.rlm, receivedAt: now.token.receivedAt, expiresAt: now.token.expiresAt } : null;
  if (!loginKnown && !laterLogin && now) login = now.signedIn ? now.login : null;
  return { uuid, token, login, changed };
}
