/** Records the named events reaching `target`, in order, with their payloads. */
export function recordEvents<T extends Event = Event>(target: EventTarget, names: readonly string[]) {
  const seen: T[] = [];
  const listener = (e: Event): void => {
    seen.push(e as T);
  };
  for (const name of names) target.addEventListener(name, listener);
  return {
    seen,
    names: () => seen.map((e) => e.type),
    stop: () => {
      for (const name of names) target.removeEventListener(name, listener);
    },
  };
}
