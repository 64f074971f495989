/**
 * The origin of the document this script runs in: `self.origin`, which is `'null'` in a sandboxed (opaque-origin)
 * frame. `location.origin` is the origin of the URL instead, the embedding site's for a sandboxed frame: a window
 * message aimed at it is never delivered there. Falls back to `location.origin` where `self.origin` is missing
 * (browsers before 2019).
 */
export function documentOrigin(scope: { origin?: unknown; location?: { origin: string } } = globalThis as never): string {
  return typeof scope.origin === 'string' ? scope.origin : (scope.location?.origin ?? 'null');
}
