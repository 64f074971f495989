/**
 * Sessions on any page: pure recognisers and the panel's bounded memory of what they found. No chrome, no DOM: the
 * extension's page-side scanner and the panel's network observer feed these what the browser gives.
 */
export * from './types.js';
export { decodeIfJwt, isJwt, findJwtsInText, MAX_TOKENS_PER_VALUE, MAX_TEXT_SCAN } from './jwt-shape.js';
export { findInText, findInStructured, MAX_DEPTH, MAX_NODES, MAX_JSON_CHARS } from './find-in-value.js';
export * from './recognisers.js';
export { syneriseFromCookies, profilePairs } from './synerise.js';
export { tokenFacts, lifetimeMs, discoveredStatus, CORE_DEFAULT_REFRESH_WINDOW_MS, type TokenFacts } from './token-facts.js';
export { DiscoveryStore, isPresent, MAX_TRAFFIC, type TokenEntry, type PlaceRecord, type TokenTraffic } from './store.js';
export { discoveredSessions, fingerprint, type DiscoveredSession, type DiscoveredTokenView } from './sessions.js';
export * from './warnings.js';
export { isDeletable, type DiscoveryFeed, type CookieAccess } from './feed.js';
export { MAX_FRAMES, frameName, framesToRead, inFrame, webOrigin, type FrameRef } from './frames.js';
