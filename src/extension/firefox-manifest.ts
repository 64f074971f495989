/**
 * Build time only (vite.extension.ts): derives the Firefox manifest from manifest.json, so there is one manifest to
 * keep and the Firefox build cannot drift from the Chrome one. Pure: takes the Chrome manifest, returns a new object.
 *
 * What changes, and why:
 *  - `background.service_worker` → `background.scripts` (an event page): Firefox MV3 has no extension service worker.
 *    `type: "module"` is kept (Firefox loads module background scripts).
 *  - `browser_specific_settings.gecko`: a fixed add-on id (Firefox MV3 requires one for storage and for signing, and
 *    tests fix the moz-extension UUID by it), the lowest Firefox we support, and `data_collection_permissions`, which
 *    AMO requires: this extension collects and transmits nothing (`none`).
 *  - `minimum_chrome_version` and `externally_connectable` are dropped: Chrome-only keys that Firefox ignores with a
 *    warning. Without `externally_connectable`, Firefox lets no web page message an extension at all, and other
 *    extensions reach only `runtime.onConnectExternal`/`onMessageExternal`, which this extension never listens to.
 * Everything else (devtools page, content scripts with `world: "MAIN"`, permissions, CSP) is taken as it is.
 */

/** The add-on id Firefox knows us by (email-like form, as AMO accepts). */
export const GECKO_ID = 'session-panel@session-panel.extension';

/**
 * Lowest Firefox we declare. 140 (ESR) is the first with `data_collection_permissions`; what the extension needs is
 * older (MAIN-world content scripts since 128, module background scripts since 112). Tested on 153 ESR.
 */
export const GECKO_MIN_VERSION = '140.0';

/** Manifest keys only Chrome understands; Firefox would warn on each. */
const CHROME_ONLY_KEYS = ['minimum_chrome_version', 'externally_connectable'] as const;

export type ManifestObject = Record<string, unknown>;

export class ManifestDerivationError extends Error {
  override readonly name = 'ManifestDerivationError';
}

function isObject(value: unknown): value is ManifestObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function firefoxManifest(chrome: ManifestObject): ManifestObject {
  if (chrome.manifest_version !== 3) throw new ManifestDerivationError('manifest.json must be manifest_version 3');
  const out: ManifestObject = structuredClone(chrome);
  for (const key of CHROME_ONLY_KEYS) delete out[key];

  const background = chrome.background;
  if (background !== undefined) {
    if (!isObject(background) || typeof background.service_worker !== 'string' || background.service_worker === '') {
      throw new ManifestDerivationError('manifest.json background must name a service_worker to derive background.scripts from');
    }
    out.background = {
      scripts: [background.service_worker],
      ...(background.type === 'module' ? { type: 'module' } : {}),
    };
  }

  if (chrome.browser_specific_settings !== undefined) {
    throw new ManifestDerivationError('manifest.json must not carry browser_specific_settings; the Firefox build adds them');
  }
  out.browser_specific_settings = {
    gecko: {
      id: GECKO_ID,
      strict_min_version: GECKO_MIN_VERSION,
      data_collection_permissions: { required: ['none'] },
    },
  };
  return out;
}
