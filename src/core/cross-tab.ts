import type { IssuerClock, OffsetInterval } from './issuer-clock.js';
import { parseStoredState, type StoredState } from './storage.js';
import { SIGN_OUT_REASONS, type SignOutReason } from './types.js';

/**
 * Keeps sessions that share one storage in other tabs in step. Without it each tab works from its own copy in
 * memory and the last writer wins: a sign-out in one tab is undone by a refresh in another (a failure trusted auth
 * SDKs shipped). Each stored state carries a revision; after every write a session announces the state and its
 * revision to the other tabs of its namespace over a BroadcastChannel. A receiver compares the announcement with
 * what the storage holds (a browser may deliver the message before the other tab's write is visible to this tab's
 * storage) and with its own revision, and adopts only what is strictly newer; a tie is settled by the storage alone.
 * So a late announcement never undoes a newer write. Announced states are validated exactly like stored ones.
 *
 * The same channel carries presence: a tab says `hello` when it opens (every tab answers `here`) and `bye` when it
 * closes, so each knows how many tabs share the session; a `hello` also makes running tabs look at the storage (and
 * repair an unreadable value there). A `here` also carries the answering tab's clock and its estimate of the token
 * issuer's clock, so a tab that has not asked the backend itself learns how its clock stands against the issuer's
 * over the round trip, without trusting the other tab's clock (issuer-clock.ts). BroadcastChannel is a platform global in browsers and Node, so the core stays
 * free of DOM-only APIs.
 */
export interface StorageChanged {
  /** The announced state, validated like a stored value; absent for presence messages. */
  readonly announced?: StoredState;
  /** Set when the writer's change signed a customer out, so the other tabs report the same reason. */
  readonly signedOut?: SignOutReason;
  /** The writing tab's session id. */
  readonly writer: string;
  /** What the writer did, when it said (`refresh`, `anonymous`): the panel says "refreshed in another tab". */
  readonly cause?: WriteCause;
  /** Set when the writer could not store the state (its storage failed): it lives in that tab's memory only. */
  readonly inMemory?: true;
}

export type WriteCause = 'refresh' | 'anonymous';

/** What the link needs to share estimates of the issuer's clock between tabs. */
export interface ClockLink {
  readonly issuer: IssuerClock;
  /** The estimate this tab offers others, or null (none, or its clock was shifted by hand: it teaches nobody). */
  offered(): OffsetInterval | null;
  /** Called after a peer's answer changed this tab's estimate. */
  changed(): void;
}
const CAUSES: readonly WriteCause[] = ['refresh', 'anonymous'];

export interface CrossTabLink {
  announce(stateJson: string, signedOut: SignOutReason | undefined, cause: WriteCause | undefined, inMemory?: boolean): void;
  /** Asks the other tabs to say they are here (and to look at the storage). */
  hello(): void;
  close(): void;
  /** Other tabs heard from and not gone since (they said bye). */
  readonly peers: number;
  /** Messages that were not of our shape (other versions, other apps on the channel, forgeries). */
  readonly dropped: number;
}

const VERSION = 2;
const MAX_MESSAGE = 64 * 1024;
const MAX_PEERS = 1000;

type Presence = 'hello' | 'here' | 'bye';

interface Wire {
  v: number;
  writer: string;
  /** The stored JSON (with its revision), exactly as written to the storage. */
  state?: string;
  signedOut?: string;
  cause?: string;
  /** The state could not be stored: it is in the writer's memory only. */
  memory?: boolean;
  presence?: Presence;
  /** On `here`: the answering tab's clock, and its estimate of the issuer's clock against it (lo, hi). */
  at?: number;
  lo?: number;
  hi?: number;
}

type ChannelLike = {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  unref?: () => void;
};

export function openCrossTabLink(
  namespace: string,
  writer: string,
  now: () => number,
  onChange: (change: StorageChanged) => void,
  onPeers?: (peers: number) => void,
  clock?: ClockLink,
): CrossTabLink | null {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  if (typeof Channel !== 'function') return null;
  let channel: ChannelLike;
  try {
    channel = new Channel(`session-panel:${namespace}`);
  } catch {
    return null; // e.g. an opaque origin: the session simply works alone
  }
  channel.unref?.(); // Node: an open channel must not keep the process alive
  let dropped = 0;
  const peers = new Set<string>();
  /** When this tab last said hello (its clock): a `here` heard since answers it, within that round trip. */
  let askedAt = Number.NaN;
  const post = (message: Wire): void => {
    try {
      channel.postMessage(message);
    } catch {
      // A closed channel (page unloading): nothing to tell.
    }
  };
  const seen = (who: string, present: boolean): void => {
    const before = peers.size;
    if (present && peers.size < MAX_PEERS) peers.add(who);
    else if (!present) peers.delete(who);
    if (peers.size !== before) onPeers?.(peers.size);
  };
  channel.onmessage = (event) => {
    const message = event.data as Partial<Wire> | null;
    if (typeof message !== 'object' || message === null || message.v !== VERSION || typeof message.writer !== 'string' || message.writer.length > 64 || message.writer === writer) {
      dropped++;
      return;
    }
    const from = message.writer;
    if (message.presence !== undefined) {
      if (message.presence !== 'hello' && message.presence !== 'here' && message.presence !== 'bye') {
        dropped++;
        return;
      }
      seen(from, message.presence !== 'bye');
      if (message.presence === 'hello') post(here());
      if (message.presence === 'hello') safely(() => onChange({ writer: from }));
      if (message.presence === 'here') heardClock(message);
      return;
    }
    if (typeof message.state !== 'string' || message.state.length > MAX_MESSAGE) {
      dropped++;
      return;
    }
    const announced = parseStoredState(message.state, clock?.issuer, now());
    if (typeof announced === 'string') {
      dropped++;
      return;
    }
    seen(from, true);
    const reason = (SIGN_OUT_REASONS as readonly unknown[]).includes(message.signedOut) ? (message.signedOut as SignOutReason) : undefined;
    const cause = (CAUSES as readonly unknown[]).includes(message.cause) ? (message.cause as WriteCause) : undefined;
    const change: { -readonly [K in keyof StorageChanged]: StorageChanged[K] } = { announced, writer: from };
    if (reason) change.signedOut = reason;
    if (cause) change.cause = cause;
    if (message.memory === true) change.inMemory = true;
    safely(() => onChange(change));
  };
  const here = (): Wire => {
    const offered = clock?.offered() ?? null;
    return offered ? { v: VERSION, writer, presence: 'here', at: now(), lo: offered.lo, hi: offered.hi } : { v: VERSION, writer, presence: 'here' };
  };
  const heardClock = (message: Partial<Wire>): void => {
    if (!clock || typeof message.at !== 'number' || typeof message.lo !== 'number' || typeof message.hi !== 'number') return;
    const before = clock.issuer.version;
    clock.issuer.fromPeer({ lo: message.lo, hi: message.hi }, message.at, askedAt, now());
    if (clock.issuer.version !== before) safely(() => clock.changed());
  };
  const hello = (): void => {
    askedAt = now();
    post({ v: VERSION, writer, presence: 'hello' });
  };
  hello();
  return {
    announce(state, signedOut, cause, inMemory) {
      const message: Wire = { v: VERSION, writer, state };
      if (signedOut) message.signedOut = signedOut;
      if (cause) message.cause = cause;
      if (inMemory) message.memory = true;
      post(message);
    },
    hello,
    close() {
      post({ v: VERSION, writer, presence: 'bye' });
      channel.onmessage = null;
      channel.close();
    },
    get peers() {
      return peers.size;
    },
    get dropped() {
      return dropped;
    },
  };
}

/** The receiving session decides; nothing it does may break the channel. */
function safely(run: () => void): void {
  try {
    run();
  } catch {
    // ignored: see above
  }
}
