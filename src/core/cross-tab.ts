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
 * BroadcastChannel is a platform global in browsers and Node, so the core stays free of DOM-only APIs.
 */
export interface StorageChanged {
  /** The announced state, validated like a stored value. */
  readonly announced: StoredState;
  /** Set when the writer's change signed a customer out, so the other tabs report the same reason. */
  readonly signedOut?: SignOutReason;
}

export interface CrossTabLink {
  announce(stateJson: string, signedOut: SignOutReason | undefined): void;
  close(): void;
  /** Messages that were not of our shape (other versions, other apps on the channel, forgeries). */
  readonly dropped: number;
}

const VERSION = 2;
const MAX_MESSAGE = 64 * 1024;

interface Wire {
  v: number;
  writer: string;
  /** The stored JSON (with its revision), exactly as written to the storage. */
  state: string;
  signedOut?: string;
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
  channel.onmessage = (event) => {
    const message = event.data as Partial<Wire> | null;
    if (
      typeof message !== 'object' || message === null || message.v !== VERSION || typeof message.writer !== 'string' ||
      typeof message.state !== 'string' || message.state.length > MAX_MESSAGE
    ) {
      dropped++;
      return;
    }
    const announced = parseStoredState(message.state, now());
    if (typeof announced === 'string') {
      dropped++;
      return;
    }
    const reason = (SIGN_OUT_REASONS as readonly unknown[]).includes(message.signedOut) ? (message.signedOut as SignOutReason) : undefined;
    try {
      onChange(reason ? { announced, signedOut: reason } : { announced });
    } catch {
      // The receiving session decides; nothing it does may break the channel.
    }
  };
  return {
    announce(state, signedOut) {
      const message: Wire = { v: VERSION, writer, state };
      if (signedOut) message.signedOut = signedOut;
      try {
        channel.postMessage(message);
      } catch {
        // A closed channel (page unloading): nothing to tell.
      }
    },
    close() {
      channel.onmessage = null;
      channel.close();
    },
    get dropped() {
      return dropped;
    },
  };
}
