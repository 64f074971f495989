import { afterAll, beforeAll } from 'vitest';
import type { CDPSession } from 'playwright-core';
import { launchWithExtension, type ExtensionBrowser } from './browser.js';
import { browserCdp } from './panel.js';
import { startTestSite, type TestSite } from './server.js';

/** What an extension e2e file drives: the test site, Chromium with the built extension, and its browser CDP session. */
export interface ExtensionSuite {
  site: TestSite;
  b: ExtensionBrowser;
  cdp: CDPSession;
}

/**
 * One test site and one extension browser for the calling test file: started before its tests, closed after them
 * (whichever of them started). The fields are set once the file's beforeAll has run: read them in tests and hooks.
 */
export function useExtensionSuite(): ExtensionSuite {
  const suite = {} as ExtensionSuite;
  beforeAll(async () => {
    suite.site = await startTestSite();
    suite.b = await launchWithExtension();
    suite.cdp = await browserCdp(suite.b);
  });
  afterAll(async () => {
    await suite.b?.close();
    await suite.site?.close();
  });
  return suite;
}
