import { html, nothing, type TemplateResult } from 'lit';
import { decodeJwtParts, type JwtParts } from '../../src/core/jwt.js';
import { dateTime, relativeTime } from './format.js';

/**
 * The decoded header and claims of a token, as text only (page-provided strings never become HTML).
 * Decoding never throws here: an undecodable token is shown as such, with the reason.
 */
export type Decoded = { readonly ok: true; readonly parts: JwtParts } | { readonly ok: false; readonly message: string };

export function decode(token: string): Decoded {
  try {
    return { ok: true, parts: decodeJwtParts(token) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : 'the token cannot be decoded' };
  }
}

const HEADER: Record<string, string> = {
  alg: 'Signing algorithm',
  typ: 'Token type',
  kid: 'Key id: which key signed it',
  cty: 'Content type',
};

const CLAIMS: Record<string, string> = {
  iss: 'Issuer: who minted the token',
  sub: 'Subject: whom the token is about (the UUID)',
  aud: 'Audience: who should accept it',
  exp: 'Expires at',
  nbf: 'Not valid before',
  iat: 'Issued at',
  jti: 'Token id (unique per token)',
  auth_time: 'Customer authenticated at',
  rlm: 'Realm: anonymous_client (visitor) or client (signed in)',
  origin: 'How the token was obtained',
  clientId: 'Customer (client) id',
  customId: 'Custom customer id',
  deviceId: 'Device id',
  login: 'Signed-in login',
};

const TIME_CLAIMS = new Set(['exp', 'nbf', 'iat', 'auth_time']);

/** Warnings about the token's header: unsigned, or signed with a shared secret. */
export function algWarnings(header: Record<string, unknown>): { level: 'danger' | 'warn'; text: string }[] {
  const alg = typeof header.alg === 'string' ? header.alg : '';
  if (!alg || alg.toLowerCase() === 'none')
    return [{ level: 'danger', text: `Unsigned token (alg: ${alg || 'missing'}): anyone can forge it.` }];
  if (/^HS/i.test(alg))
    return [{ level: 'warn', text: `${alg} uses a shared secret: whoever can verify it can also mint tokens.` }];
  return [];
}

function value(name: string, v: unknown, now: number): string {
  if (TIME_CLAIMS.has(name) && typeof v === 'number' && Number.isFinite(v)) {
    const ms = v * 1000;
    return `${dateTime(ms)} (${relativeTime(ms - now)})`;
  }
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function rows(record: Record<string, unknown>, words: Record<string, string>, now: number): TemplateResult {
  return html`<dl class="claims">
    ${Object.entries(record).map(
      ([name, v]) =>
        html`<div class="claim">
          <dt><code>${name}</code></dt>
          <dd><span class="mono">${value(name, v, now)}</span>${words[name] ? html`<small>${words[name]}</small>` : nothing}</dd>
        </div>`,
    )}
  </dl>`;
}

/** `now` is the session clock, so "in 12 min" agrees with the countdown. */
export function claimsView(decoded: Decoded, now: number): TemplateResult {
  if (!decoded.ok) return html`<p class="flag danger" role="note">Cannot decode this token: ${decoded.message}</p>`;
  const { header, claims } = decoded.parts;
  return html`${algWarnings(header).map((w) => html`<p class="flag ${w.level}" role="note">${w.text}</p>`)}
    <p class="note">Decoded only: the signature is not verified here.</p>
    <h4>Header</h4>
    ${rows(header, HEADER, now)}
    <h4>Claims</h4>
    ${rows(claims, CLAIMS, now)}`;
}

/** The Decoded token section around claimsView, open by default. */
export function claimsSection(decoded: Decoded, now: number): TemplateResult {
  return html`<section class="wide claims-section" aria-labelledby="h-claims">
    <details open>
      <summary><h3 id="h-claims">Decoded token</h3></summary>
      ${claimsView(decoded, now)}
    </details>
  </section>`;
}

/** A decode() that remembers its last token: the countdown re-renders every second, the token rarely changes. */
export function memoizedDecode(): (token: string) => Decoded {
  let last: { readonly token: string; readonly decoded: Decoded } | null = null;
  return (token) => {
    if (last?.token !== token) last = { token, decoded: decode(token) };
    return last.decoded;
  };
}
