// @vitest-environment happy-dom
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDevBackend, createSession } from '../../src/core/index.js';
import type { Session } from '../../src/core/types.js';
import { MapStorage } from '../core/support/map-storage.js';
import { panelFor, settle } from './helpers/fixture.js';

// Issue #14: for a session on shared storage the panel says how many tabs share it and which did the last refresh,
// and the log says "refreshed in another tab". Two sessions on one storage stand for two tabs.

const delivered = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 60));

describe('tabs sharing a session', () => {
  it('shows the tab count and who refreshed; the log says it happened in another tab', async () => {
    const storage = new MapStorage();
    const namespace = `panel-tabs-${randomUUID().slice(0, 8)}`;
    const backend = createDevBackend({ keyStorage: 'memory' });
    const make = (): Session => createSession({ backend, storage, namespace, crossTab: true, devtools: false });
    const here = make();
    const other = make();
    try {
      await Promise.all([here.ready, other.ready]);
      await delivered();
      const { el, h } = await panelFor(here);
      expect(h.field('tabs')).toMatch(/^shared by 2 tabs/);
      await other.refreshToken();
      await delivered();
      await settle(el);
      expect(h.field('tabs')).toContain(`last refresh: another tab (${other.id})`);
      expect(here.log().map((e) => e.message)).toContain(`token refreshed in another tab (${other.id})`);
      expect(el.shadowRoot!.textContent).toContain('refreshed in another tab');
      await here.refreshToken();
      await settle(el);
      expect(h.field('tabs')).toContain('last refresh: this tab');
      other.dispose();
      await delivered();
      await settle(el);
      expect(h.field('tabs')).toMatch(/^this tab only/);
    } finally {
      here.dispose();
      other.dispose();
    }
  });

  it('shows no tab line for a session that does not share its storage', async () => {
    const session = createSession({ backend: createDevBackend({ keyStorage: 'memory' }), storage: 'memory', devtools: false });
    try {
      await session.ready;
      const { el } = await panelFor(session);
      expect(el.shadowRoot!.querySelector('[data-field="tabs"]')).toBeNull();
    } finally {
      session.dispose();
    }
  });
});
