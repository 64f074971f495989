import { describe, expect, test } from 'vitest';
import manifest from '../../manifest.json' with { type: 'json' };
import { GECKO_ID, GECKO_MIN_VERSION, ManifestDerivationError, firefoxManifest } from '../../src/extension/firefox-manifest.js';

describe('the Firefox manifest, derived from manifest.json at build time', () => {
  const ff = firefoxManifest(manifest);

  test('an event page instead of the service worker, same script, module kept', () => {
    expect(ff.background).toEqual({ scripts: [manifest.background.service_worker], type: 'module' });
  });

  test('a gecko id, the minimum Firefox and data_collection_permissions (none collected)', () => {
    expect(ff.browser_specific_settings).toEqual({
      gecko: { id: GECKO_ID, strict_min_version: GECKO_MIN_VERSION, data_collection_permissions: { required: ['none'] } },
    });
  });

  test('Chrome-only keys go; everything else is taken as it is', () => {
    expect(ff).not.toHaveProperty('minimum_chrome_version');
    expect(ff).not.toHaveProperty('externally_connectable');
    const { background: _b, browser_specific_settings: _s, ...rest } = ff;
    const { background: _c, minimum_chrome_version: _m, externally_connectable: _e, ...chromeRest } = manifest as Record<string, unknown>;
    expect(rest).toEqual(chromeRest);
  });

  test('does not change manifest.json', () => {
    const before = JSON.stringify(manifest);
    firefoxManifest(manifest);
    expect(JSON.stringify(manifest)).toBe(before);
  });

  test('a manifest it cannot derive from is a typed error', () => {
    expect(() => firefoxManifest({ ...manifest, manifest_version: 2 })).toThrow(ManifestDerivationError);
    expect(() => firefoxManifest({ ...manifest, background: { scripts: ['x.js'] } })).toThrow(/service_worker/);
    expect(() => firefoxManifest({ ...manifest, browser_specific_settings: {} })).toThrow(/browser_specific_settings/);
  });
});
