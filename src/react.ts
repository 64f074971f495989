/**
 * The package's "./react" export: JSX types for `<session-panel>` in React 19, types only (nothing runs). An app opts
 * in with one line, `import type {} from 'session-panel/react'`, so apps without React never need React's types.
 *
 * React 19 sets a prop as a property when the element has one (`session`, `transport`), else as an attribute, and
 * adds a listener for a prop named `on` + the event's name (`onsession-error`), so both are typed here.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { SessionPanel } from '../components/session-panel/session-panel.js';

/** The element's events, by name (its GlobalEventHandlersEventMap entries). */
type PanelEventMap = {
  [K in keyof GlobalEventHandlersEventMap as K extends `session-${string}` ? K : never]: GlobalEventHandlersEventMap[K];
};

/** `onsession-refresh={(event) => …}` and so on, each with its event class. */
export type SessionPanelEventProps = {
  [K in keyof PanelEventMap as `on${K}`]?: (event: PanelEventMap[K]) => void;
};

/** Properties React sets on the element, and their attribute spellings. */
export interface SessionPanelProps
  extends Partial<Pick<SessionPanel, 'session' | 'transport' | 'theme' | 'floating' | 'open' | 'corner'>>,
    SessionPanelEventProps {
  'session-id'?: string;
  'log-limit'?: number;
}

/** Everything `<session-panel>` accepts in JSX: the element's props plus React's usual HTML attributes. */
export type SessionPanelJsxProps = DetailedHTMLProps<HTMLAttributes<SessionPanel>, SessionPanel> & SessionPanelProps;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'session-panel': SessionPanelJsxProps;
    }
  }
}
